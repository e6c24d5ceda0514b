package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// IdempotencyKeyHeader makes a publish safe to retry: the same key returns
// the same item instead of publishing twice.
const IdempotencyKeyHeader = "Idempotency-Key"

const (
	defaultPageSize = 20
	maxPageSize     = 100
	maxBody         = 64 << 10
	maxTextRunes    = 5000
)

// Handler is the network's HTTP API. The platform routes behave like a
// social network's API (and fail on demand, see Fault):
//
//	GET  /api/v1/accounts/{account}                        the brand's account (followers_count grows)
//	GET  /api/v1/accounts/{account}/activity?since_id=&limit=
//	     comments, replies, mentions, DMs and reviews newer than since_id,
//	     oldest first, with a Link rel="next" header and next_since_id
//	GET  /api/v1/accounts/{account}/posts?limit=           the brand's posts and replies
//	GET  /api/v1/items/{id}                                any item
//	POST /api/v1/posts          {"text","lang"}             publish (Idempotency-Key)
//	POST /api/v1/replies        {"in_reply_to_id","text"}   reply (Idempotency-Key)
//	POST /api/v1/comments/{id}/hide                        hide a comment
//
// The control routes drive the simulation (never affected by faults):
//
//	GET    /api/v1/scenarios                               scenario names and topics
//	POST   /api/v1/scenarios/{name}   {"topic","count","duration","lang"}
//	GET    /api/v1/sandbox/stats
//	PUT    /api/v1/sandbox/fault      Fault                 DELETE clears it
//	PUT    /api/v1/sandbox/rate       {"rate_per_minute"}
//	POST   /api/v1/sandbox/generate?count=N                N items now
//	POST   /api/v1/sandbox/items      any JSON object       injected as is (malformed items)
func (n *Network) Handler() http.Handler {
	platform := http.NewServeMux()
	platform.HandleFunc("GET /api/v1/accounts/{account}", n.handleAccount)
	platform.HandleFunc("GET /api/v1/accounts/{account}/activity", n.handleActivity)
	platform.HandleFunc("GET /api/v1/accounts/{account}/posts", n.handlePosts)
	platform.HandleFunc("GET /api/v1/items/{id}", n.handleItem)
	platform.HandleFunc("POST /api/v1/posts", n.handlePublish(false))
	platform.HandleFunc("POST /api/v1/replies", n.handlePublish(true))
	platform.HandleFunc("POST /api/v1/comments/{id}/hide", n.handleHide)

	mux := http.NewServeMux()
	mux.Handle("/api/v1/", n.recordPublishes(n.withFaults(platform)))
	n.publishRoutes(platform, mux)
	mux.HandleFunc("GET /api/v1/scenarios", n.handleScenarios)
	mux.HandleFunc("POST /api/v1/scenarios/{name}", n.handleStartScenario)
	mux.HandleFunc("GET /api/v1/sandbox/stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, n.Stats()) })
	mux.HandleFunc("PUT /api/v1/sandbox/fault", n.handleSetFault)
	mux.HandleFunc("DELETE /api/v1/sandbox/fault", func(w http.ResponseWriter, _ *http.Request) {
		n.ClearFault()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("PUT /api/v1/sandbox/rate", n.handleSetRate)
	mux.HandleFunc("POST /api/v1/sandbox/generate", n.handleGenerate)
	mux.HandleFunc("POST /api/v1/sandbox/items", n.handleInject)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /{$}", n.handleIndex)
	return n.instrument(n.authenticate(mux))
}

func (n *Network) authenticate(next http.Handler) http.Handler {
	if n.cfg.Token == "" {
		return next
	}
	want := []byte("Bearer " + n.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid_token", "missing or invalid access token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (n *Network) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		limit := int64(maxBody)
		if r.URL.Path == mediaRoute {
			limit = maxMediaBytes + maxBody // the file and its form
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(rec, r)
		n.metrics.requests.WithLabelValues(routeOf(r), strconv.Itoa(rec.status)).Inc()
	})
}

// routeOf names a request for metrics without ids in the label.
func routeOf(r *http.Request) string {
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(p) >= 4 && p[2] == "accounts":
		if len(p) == 4 {
			return r.Method + " account"
		}
		return r.Method + " account_" + p[4]
	case len(p) >= 3 && (p[2] == "items" || p[2] == "comments"):
		return r.Method + " " + p[2]
	case len(p) >= 3 && p[2] == "scenarios":
		return r.Method + " scenarios"
	case len(p) >= 4 && p[2] == "sandbox":
		return r.Method + " sandbox_" + p[3]
	case len(p) == 3:
		return r.Method + " " + p[2]
	}
	return r.Method + " other"
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (n *Network) checkAccount(w http.ResponseWriter, r *http.Request) bool {
	if a := r.PathValue("account"); a != n.cfg.Account && a != n.brand.Username && a != n.brand.ID {
		writeError(w, http.StatusNotFound, "not_found", "no account "+strconv.Quote(a))
		return false
	}
	return true
}

func (n *Network) handleAccount(w http.ResponseWriter, r *http.Request) {
	if n.checkAccount(w, r) {
		u := n.brand
		u.FollowersCount = n.followers(n.now())
		writeJSON(w, http.StatusOK, u)
	}
}

func (n *Network) handleActivity(w http.ResponseWriter, r *http.Request) {
	if !n.checkAccount(w, r) {
		return
	}
	q := r.URL.Query()
	var since uint64
	if s := q.Get("since_id"); s != "" {
		var err error
		if since, err = strconv.ParseUint(s, 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "since_id must be an item id")
			return
		}
	}
	limit, ok := pageSize(w, q.Get("limit"))
	if !ok {
		return
	}
	page, err := n.activity(since, limit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	next := fmt.Sprintf("%s/api/v1/accounts/%s/activity?since_id=%s&limit=%d", n.cfg.BaseURL, r.PathValue("account"), page.NextSinceID, limit)
	w.Header().Set("Link", "<"+next+`>; rel="next"`)
	writeJSON(w, http.StatusOK, page)
}

func pageSize(w http.ResponseWriter, s string) (int, bool) {
	if s == "" {
		return defaultPageSize, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPageSize {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("limit must be 1 to %d", maxPageSize))
		return 0, false
	}
	return n, true
}

func (n *Network) handlePosts(w http.ResponseWriter, r *http.Request) {
	if !n.checkAccount(w, r) {
		return
	}
	limit, ok := pageSize(w, r.URL.Query().Get("limit"))
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"items": n.own(limit)})
	}
}

func (n *Network) handleItem(w http.ResponseWriter, r *http.Request) {
	it, ok := n.lookup(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no item "+strconv.Quote(r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (n *Network) handlePublish(asReply bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req PublishRequest
		if !readJSON(w, r, &req) {
			return
		}
		key := r.Header.Get(IdempotencyKeyHeader)
		switch runes := len([]rune(req.Text)); {
		case strings.TrimSpace(req.Text) == "":
			writeError(w, http.StatusUnprocessableEntity, "invalid", "text is required")
			return
		case runes > maxTextRunes:
			writeError(w, http.StatusUnprocessableEntity, "invalid", fmt.Sprintf("text is longer than %d characters", maxTextRunes))
			return
		case asReply && req.InReplyToID == "":
			writeError(w, http.StatusUnprocessableEntity, "invalid", "in_reply_to_id is required")
			return
		case len(key) > 255:
			writeError(w, http.StatusBadRequest, "bad_request", "Idempotency-Key is longer than 255 characters")
			return
		}
		if key != "" {
			key = r.URL.Path + "\x00" + key
		}
		it, status, err := n.publish(key, req, asReply)
		if err != nil {
			code := "invalid"
			if status == http.StatusNotFound {
				code = "not_found"
			}
			writeError(w, status, code, err.Error())
			return
		}
		writeJSON(w, status, it)
	}
}

func (n *Network) handleHide(w http.ResponseWriter, r *http.Request) {
	it, status, err := n.hide(r.PathValue("id"))
	if err != nil {
		code := "invalid"
		if status == http.StatusNotFound {
			code = "not_found"
		}
		writeError(w, status, code, err.Error())
		return
	}
	writeJSON(w, status, it)
}

func (n *Network) handleScenarios(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"scenarios": Scenarios, "topics": Topics})
}

func (n *Network) handleStartScenario(w http.ResponseWriter, r *http.Request) {
	var o ScenarioOptions
	if r.ContentLength != 0 && !readJSON(w, r, &o) {
		return
	}
	run, err := n.StartScenario(r.PathValue("name"), o)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, run)
}

func (n *Network) handleSetFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if !readJSON(w, r, &f) {
		return
	}
	if err := n.SetFault(f); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (n *Network) handleSetRate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RatePerMinute *float64 `json:"rate_per_minute"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	if body.RatePerMinute == nil {
		writeError(w, http.StatusBadRequest, "bad_request", "rate_per_minute is required")
		return
	}
	if err := n.SetRate(*body.RatePerMinute); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (n *Network) handleGenerate(w http.ResponseWriter, r *http.Request) {
	count := 1
	if s := r.URL.Query().Get("count"); s != "" {
		c, err := strconv.Atoi(s)
		if err != nil || c < 1 || c > 1000 {
			writeError(w, http.StatusBadRequest, "bad_request", "count must be 1 to 1000")
			return
		}
		count = c
	}
	writeJSON(w, http.StatusCreated, map[string]any{"items": n.Generate(count)})
}

func (n *Network) handleInject(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "body too large")
		return
	}
	id, err := n.Inject(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

func (n *Network) handleIndex(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Ruche sandbox network: a simulated social network for %s (account %q).\n\n", demoBrandName, n.cfg.Account)
	fmt.Fprintf(w, "  activity:  GET %s/api/v1/accounts/%s/activity?since_id=0&limit=20\n", n.cfg.BaseURL, n.cfg.Account)
	fmt.Fprintf(w, "  stats:     GET %s/api/v1/sandbox/stats\n", n.cfg.BaseURL)
	fmt.Fprintf(w, "  scenarios: POST %s/api/v1/scenarios/{%s}\n", n.cfg.BaseURL, strings.Join(Scenarios, "|"))
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "body too large")
			return false
		}
		writeError(w, http.StatusBadRequest, "bad_request", "invalid JSON: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, APIError{Error: msg, Code: code})
}
