package v1

import (
	"encoding/json"
	"time"
)

// Recorded is published by the gateway for every state-changing request
// (and every sign-in), once per brand it concerns, whatever its outcome.
type Recorded struct {
	// ID is the event id: the request id, with the brand when one request
	// concerns several brands.
	ID    string    `json:"id"`
	Brand string    `json:"brand"`
	At    time.Time `json:"at"`
	// Actor is who: a user id or a configured key's fingerprint; Via is how
	// they authenticated (session, user_key, config_key, or "" when not
	// signed in); KeyID names the personal key used.
	Actor      string `json:"actor"`
	ActorEmail string `json:"actor_email,omitempty"`
	Via        string `json:"via,omitempty"`
	KeyID      string `json:"key_id,omitempty"`
	// Action is the permission the route needs ("cases.decide"), or the
	// route itself for sign-in routes; Method and Route are the HTTP
	// method and the route pattern, Path the URL path and query.
	Action string `json:"action"`
	Method string `json:"method"`
	Route  string `json:"route"`
	Path   string `json:"path"`
	// Target is the resource the route names (its path parameters).
	Target string `json:"target,omitempty"`
	// Status is the HTTP status answered: a refused change is recorded too.
	Status int `json:"status"`
	// IP and UserAgent say from where.
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent,omitempty"`
	// Before and After are the state before and after the change when the
	// route knows them, else After is the request body (secrets removed).
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// Name implements events.Event.
func (Recorded) Name() string { return "audit.recorded.v1" }
