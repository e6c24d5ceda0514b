package ui

import "time"

// Form is a settings form that adds something, as last submitted: its
// values (never a secret), the refusal and the field it names.
type Form struct {
	Values map[string]string
	// Error is the refusal's message; Field the input it names ("" for the
	// form as a whole).
	Error, Field string
	// Link is an invitation just made (shown once) and when it expires.
	Link    string
	Expires time.Time
}

// PublishingNetworks are the networks an account may be connected on.
var PublishingNetworks = []string{"sandbox", "mastodon", "bluesky", "meta", "x", "linkedin", "youtube"}
