package publishing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/services/publishing"
)

func TestRetryAt(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		headers map[string]string
		want    time.Time
	}{
		{"retry_after_seconds", map[string]string{"Retry-After": "30"}, now.Add(30 * time.Second)},
		{"retry_after_http_date", map[string]string{"Retry-After": "Fri, 20 Nov 2026 10:02:00 GMT"}, now.Add(2 * time.Minute)},
		{"x_reset_unix_seconds_later_than_retry_after", map[string]string{"Retry-After": "5", "X-RateLimit-Reset": fmt.Sprint(now.Add(time.Minute).Unix())}, now.Add(time.Minute)},
		{"x_rate_limit_reset_of_x", map[string]string{"x-rate-limit-reset": fmt.Sprint(now.Add(15 * time.Minute).Unix())}, now.Add(15 * time.Minute)},
		{"mastodon_iso8601_reset", map[string]string{"X-RateLimit-Reset": "2026-11-20T10:05:00.000Z"}, now.Add(5 * time.Minute)},
		{"bluesky_ratelimit_reset_unix", map[string]string{"RateLimit-Reset": fmt.Sprint(now.Add(90 * time.Second).Unix())}, now.Add(90 * time.Second)},
		{"ietf_ratelimit_reset_delta", map[string]string{"RateLimit-Reset": "42"}, now.Add(42 * time.Second)},
		{"nothing_said_waits_a_minute", nil, now.Add(time.Minute)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.headers {
				h.Set(k, v)
			}
			if got := publishing.RetryAt(h, now); !got.Equal(tc.want) {
				t.Fatalf("RetryAt = %s, want %s", got, tc.want)
			}
		})
	}
}

// mastodonFake speaks Mastodon's statuses API as documented: Idempotency-Key
// (same key, same status), 422 validation errors, 401 for a bad token, 429
// with X-RateLimit-* headers (reset in ISO 8601), and 404 on a missing status.
type mastodonFake struct {
	mu       sync.Mutex
	byKey    map[string]string
	statuses map[string]map[string]any
	next     int
	mode     string // "", "429", "503"
	posts    int
	// media uploaded (media_test.go); processing is how many GETs a new
	// media answers 206 before it is ready (0: processed at upload, 200).
	media      map[string]*fakeMastodonMedia
	processing int
	uploads    int
}

func (f *mastodonFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Header.Get("Authorization") != "Bearer good-token" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"The access token is invalid"}`)
		return
	}
	switch f.mode {
	case "429":
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "2026-11-20T10:05:00.000Z")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"Too many requests"}`)
		return
	case "503":
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `<html>503 Service Temporarily Unavailable</html>`)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		f.posts++
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		if strings.TrimSpace(fmt.Sprint(body["status"])) == "" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"error":"Validation failed: Text can't be blank"}`)
			return
		}
		if msg := f.checkMediaIDs(body["media_ids"]); msg != "" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"error":"`+msg+`"}`)
			return
		}
		if id := body["in_reply_to_id"]; id != nil && f.statuses[fmt.Sprint(id)] == nil {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"Record not found"}`)
			return
		}
		id, ok := f.byKey[r.Header.Get("Idempotency-Key")]
		if !ok {
			f.next++
			id = fmt.Sprint(113541234567890 + f.next)
			f.byKey[r.Header.Get("Idempotency-Key")] = id
			f.statuses[id] = body
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "url": "https://piaille.example/@cafe/" + id, "content": "<p>" + fmt.Sprint(body["status"]) + "</p>"})
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/accounts/verify_credentials":
		_, _ = io.WriteString(w, `{"id":"109","username":"cafe","acct":"cafe","followers_count":12840,"following_count":310,"statuses_count":420}`)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/statuses/"):
		id := strings.TrimPrefix(r.URL.Path, "/api/v1/statuses/")
		if f.statuses[id] == nil {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"Record not found"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "replies_count": 3, "reblogs_count": 7, "favourites_count": 41, "visibility": "public"})
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/api/v1/statuses/"):
		id := strings.TrimPrefix(r.URL.Path, "/api/v1/statuses/")
		if f.statuses[id] == nil {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"Record not found"}`)
			return
		}
		delete(f.statuses, id)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id})
	case r.URL.Path == "/api/v2/media" || strings.HasPrefix(r.URL.Path, "/api/v1/media/"):
		f.serveMedia(w, r)
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":"Record not found"}`)
	}
}

func TestMastodon(t *testing.T) {
	fake := &mastodonFake{byKey: map[string]string{}, statuses: map[string]map[string]any{"109876543210": {}}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	m := publishing.NewMastodon(srv.Client())
	acct := publishing.Account{ID: "masto", Brand: "b", Network: "mastodon", Token: "good-token", Settings: map[string]string{publishing.SettingURL: srv.URL}}
	ctx := context.Background()
	networkErr := func(t *testing.T, err error) *publishing.NetworkError {
		t.Helper()
		var ne *publishing.NetworkError
		if !errors.As(err, &ne) {
			t.Fatalf("error %v is not a NetworkError", err)
		}
		return ne
	}

	t.Run("same_idempotency_key_same_status", func(t *testing.T) {
		a := publishing.Action{Kind: publishv1.KindPost, Key: "k1", Text: "Bonjour", Lang: "fr"}
		r1, err := m.Do(ctx, acct, a)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := m.Do(ctx, acct, a)
		if err != nil || r2.PlatformID != r1.PlatformID || len(fake.byKey) != 1 {
			t.Fatalf("retry made %+v (%v), first %+v", r2, err, r1)
		}
	})
	t.Run("reply_uses_the_status_id_of_a_server_qualified_platform_id", func(t *testing.T) {
		r, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, Key: "k2", Text: "Merci !", TargetID: "piaille.fr/109876543210"})
		if err != nil || fake.statuses[r.PlatformID]["in_reply_to_id"] != "109876543210" {
			t.Fatalf("reply %+v: %v", r, err)
		}
	})
	t.Run("validation_error_is_permanent_with_the_reason", func(t *testing.T) {
		ne := networkErr(t, func() error {
			_, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "k3", Text: " "})
			return err
		}())
		if !ne.Permanent || ne.Status != 422 || ne.Reason != "Validation failed: Text can't be blank" {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("revoked_token_is_permanent", func(t *testing.T) {
		bad := acct
		bad.Token = "revoked"
		ne := networkErr(t, func() error {
			_, err := m.Do(ctx, bad, publishing.Action{Kind: publishv1.KindPost, Key: "k4", Text: "x"})
			return err
		}())
		if !ne.Permanent || ne.Status != 401 || ne.Reason != "The access token is invalid" {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("429_is_retryable_at_the_iso_reset", func(t *testing.T) {
		fake.mode = "429"
		defer func() { fake.mode = "" }()
		ne := networkErr(t, func() error {
			_, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "k5", Text: "x"})
			return err
		}())
		if ne.Permanent || !ne.RetryAt.Equal(time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC)) {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("503_is_retryable", func(t *testing.T) {
		fake.mode = "503"
		defer func() { fake.mode = "" }()
		ne := networkErr(t, func() error {
			_, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "k6", Text: "x"})
			return err
		}())
		if ne.Permanent || ne.Status != 503 {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("no_native_hide", func(t *testing.T) {
		ne := networkErr(t, func() error {
			_, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindHide, Key: "k7", TargetID: "piaille.fr/1"})
			return err
		}())
		if !ne.Permanent || ne.Code != "unsupported" || !strings.Contains(ne.Reason, "no native hide") {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("delete_and_a_retried_delete", func(t *testing.T) {
		r, _ := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "k8", Text: "à supprimer"})
		if _, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: "piaille.fr/" + r.PlatformID, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
		// The first attempt's answer was lost: the second finds it gone.
		if _, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: r.PlatformID, Attempt: 2}); err != nil {
			t.Fatalf("retried delete: %v", err)
		}
		if _, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: "999", Attempt: 1}); err == nil {
			t.Fatal("a first delete of a missing status succeeded")
		}
	})
}

func FuzzParseErrorBodies(f *testing.F) {
	for _, s := range []string{`{"error":"Record not found"}`, `{"error":"invalid_grant","error_description":"revoked"}`,
		`{"error":"InvalidRequest","message":"Record/text too long"}`, `{"error":"rate_limited","code":"rate_limited"}`, `<html>502</html>`, ``, `{"error":1}`,
		`{"status":429,"serviceErrorCode":101,"message":"Resource level throttle"}`, `{"error":{"code":403,"message":"quota","errors":[{"reason":"quotaExceeded"}]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, parse := range []func([]byte) (string, string){publishing.ParseMastodonError, publishing.ParseXRPCError, publishing.ParseGraphError, publishing.ParseXError,
			publishing.ParseLinkedInError, publishing.ParseGoogleError} {
			code, reason := parse(body)
			if len(reason) > len(body)+1 && !json.Valid(body) {
				t.Fatalf("reason %q longer than the body", reason)
			}
			_ = code
		}
	})
}

func FuzzRetryAt(f *testing.F) {
	f.Add("30", "1795167000", "2026-11-20T10:05:00Z")
	f.Add("Fri, 20 Nov 2026 10:02:00 GMT", "", "")
	f.Add("-1", "abc", "42")
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, retryAfter, reset, ietf string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("X-RateLimit-Reset", reset)
		h.Set("RateLimit-Reset", ietf)
		if at := publishing.RetryAt(h, now); at.IsZero() {
			t.Fatal("RetryAt is zero: a 429 would be retried at once")
		}
	})
}

// pdsFake speaks the atproto XRPC methods the connector uses, with their
// error bodies ({"error","message"}): createSession, createRecord (an rkey
// taken is refused), getRecord (RecordNotFound), putRecord with swapRecord,
// deleteRecord; 429 with RateLimit-* headers on demand.
type pdsFake struct {
	mu       sync.Mutex
	records  map[string]map[string]any // at-uri → record
	sessions int
	creates  int
	limited  bool
	expire   bool
	blobs    map[string]int // cid → size (media_fake_test.go)
}

func (f *pdsFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fail := func(status int, code, msg string) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": msg})
	}
	nsid := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	if nsid == "com.atproto.server.createSession" {
		var b map[string]string
		_ = json.NewDecoder(r.Body).Decode(&b)
		if b["password"] != "app-pass" {
			fail(401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		f.sessions++
		_ = json.NewEncoder(w).Encode(map[string]string{"did": "did:plc:brand", "handle": b["identifier"], "accessJwt": fmt.Sprint("jwt-", f.sessions)})
		return
	}
	if f.expire {
		f.expire = false
		fail(400, "ExpiredToken", "Token has expired")
		return
	}
	if f.limited {
		w.Header().Set("RateLimit-Limit", "5000")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", "1795168000")
		w.Header().Set("RateLimit-Policy", "5000;w=3600")
		fail(429, "RateLimitExceeded", "Rate Limit Exceeded")
		return
	}
	if nsid == "com.atproto.repo.uploadBlob" {
		f.uploadBlob(w, r, fail)
		return
	}
	var b map[string]any
	if r.Method == http.MethodPost {
		_ = json.NewDecoder(r.Body).Decode(&b)
	}
	q := r.URL.Query()
	switch nsid {
	case "com.atproto.repo.createRecord", "com.atproto.repo.putRecord":
		uri := fmt.Sprintf("at://%s/%s/%s", b["repo"], b["collection"], b["rkey"])
		if nsid == "com.atproto.repo.createRecord" {
			f.creates++
			if f.records[uri] != nil {
				fail(400, "InvalidRequest", "Record already exists")
				return
			}
		} else if swap, ok := b["swapRecord"]; ok && f.records[uri] != nil && swap != f.records[uri]["_cid"] {
			fail(400, "InvalidSwap", "Record was at a different cid")
			return
		}
		rec, _ := b["record"].(map[string]any)
		if code, msg := f.checkEmbed(rec); code != "" {
			fail(400, code, msg)
			return
		}
		rec["_cid"] = fmt.Sprint("bafy", len(f.records)+f.creates)
		f.records[uri] = rec
		_ = json.NewEncoder(w).Encode(map[string]string{"uri": uri, "cid": rec["_cid"].(string)})
	case "com.atproto.repo.getRecord":
		uri := fmt.Sprintf("at://%s/%s/%s", q.Get("repo"), q.Get("collection"), q.Get("rkey"))
		rec := f.records[uri]
		if rec == nil {
			fail(400, "RecordNotFound", "Could not locate record: "+uri)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"uri": uri, "cid": rec["_cid"], "value": rec})
	case "app.bsky.feed.getPosts":
		posts := []map[string]any{}
		for _, uri := range q["uris"] {
			if f.records[uri] != nil {
				posts = append(posts, map[string]any{"uri": uri, "cid": f.records[uri]["_cid"], "likeCount": 52, "replyCount": 4, "repostCount": 9, "quoteCount": 2})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"posts": posts})
	case "com.atproto.identity.resolveHandle":
		dids := map[string]string{"paul.bsky.social": "did:plc:paul", "cafe.example": "did:plc:cafe"}
		if dids[strings.ToLower(q.Get("handle"))] == "" {
			fail(400, "InvalidRequest", "Unable to resolve handle")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"did": dids[strings.ToLower(q.Get("handle"))]})
	case "app.bsky.actor.getProfile":
		if q.Get("actor") != "did:plc:brand" {
			fail(400, "InvalidRequest", "Profile not found")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"did": "did:plc:brand", "handle": "cafe.bsky.social", "followersCount": 3150, "followsCount": 120, "postsCount": 88})
	case "com.atproto.repo.deleteRecord":
		delete(f.records, fmt.Sprintf("at://%s/%s/%s", b["repo"], b["collection"], b["rkey"]))
		_, _ = io.WriteString(w, `{}`)
	default:
		fail(501, "MethodNotImplemented", "Method Not Implemented")
	}
}

func TestBluesky(t *testing.T) {
	root := "at://did:plc:brand/app.bsky.feed.post/3kroot"
	reply := "at://did:plc:fan/app.bsky.feed.post/3kfan"
	fake := &pdsFake{records: map[string]map[string]any{
		root:  {"text": "Menu d'hiver", "_cid": "bafyroot"},
		reply: {"text": "Arnaque http://spam.example", "_cid": "bafyfan", "reply": map[string]any{"root": map[string]any{"uri": root, "cid": "bafyroot"}, "parent": map[string]any{"uri": root, "cid": "bafyroot"}}},
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	b := publishing.NewBluesky(srv.Client())
	acct := publishing.Account{ID: "bsky", Brand: "b", Network: "bluesky", Handle: "cafe.bsky.social", Token: "app-pass", Settings: map[string]string{publishing.SettingURL: srv.URL}}
	ctx := context.Background()
	first := time.Date(2026, 11, 20, 10, 0, 0, 123456000, time.UTC)

	t.Run("a_retried_post_is_found_not_doubled", func(t *testing.T) {
		a := publishing.Action{Kind: publishv1.KindPost, Key: "ruche-k1", Text: "Nouveau menu : https://cafe.example/menu !", Lang: "fr", Attempt: 1, FirstSentAt: first}
		if _, found, err := b.Find(ctx, acct, a); err != nil || found {
			t.Fatalf("Find before the post: %v %v", found, err)
		}
		r, err := b.Do(ctx, acct, a)
		if err != nil {
			t.Fatal(err)
		}
		got, found, err := b.Find(ctx, acct, a)
		if err != nil || !found || got.PlatformID != r.PlatformID {
			t.Fatalf("Find after the post: %+v %v %v", got, found, err)
		}
		rec := fake.records[r.PlatformID]
		facets, _ := rec["facets"].([]any)
		if len(facets) != 1 || !strings.Contains(fmt.Sprint(facets[0]), "https://cafe.example/menu") {
			t.Fatalf("facets %v", rec["facets"])
		}
		// The same action again: same rkey, refused by the network.
		a.Attempt = 2
		if _, err := b.Do(ctx, acct, a); err == nil {
			t.Fatal("a second create with the same rkey succeeded")
		}
		if !strings.HasSuffix(r.PlatformID, "/"+publishing.TID(first, "ruche-k1")) || len(publishing.TID(first, "ruche-k1")) != 13 {
			t.Fatalf("rkey of %s", r.PlatformID)
		}
	})
	t.Run("a_reply_names_its_root_and_parent", func(t *testing.T) {
		r, err := b.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, Key: "ruche-k2", Text: "Merci !", TargetID: reply, FirstSentAt: first})
		if err != nil {
			t.Fatal(err)
		}
		refs := fmt.Sprint(fake.records[r.PlatformID]["reply"])
		if !strings.Contains(refs, "root:map[cid:bafyroot uri:"+root) || !strings.Contains(refs, "parent:map[cid:bafyfan uri:"+reply) {
			t.Fatalf("reply refs %s", refs)
		}
	})
	t.Run("hide_and_unhide_through_the_threadgate", func(t *testing.T) {
		if _, err := b.Do(ctx, acct, publishing.Action{Kind: publishv1.KindHide, TargetID: reply}); err != nil {
			t.Fatal(err)
		}
		gate := fake.records["at://did:plc:brand/app.bsky.feed.threadgate/3kroot"]
		if fmt.Sprint(gate["hiddenReplies"]) != "["+reply+"]" || gate["post"] != root {
			t.Fatalf("threadgate %v", gate)
		}
		if _, err := b.Do(ctx, acct, publishing.Action{Kind: publishv1.KindUnhide, TargetID: reply}); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(fake.records["at://did:plc:brand/app.bsky.feed.threadgate/3kroot"]["hiddenReplies"]); got != "[]" {
			t.Fatalf("hiddenReplies after unhide: %s", got)
		}
	})
	t.Run("an_expired_session_is_renewed_once", func(t *testing.T) {
		before := fake.sessions
		fake.expire = true
		if _, err := b.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "ruche-k3", Text: "x", FirstSentAt: first}); err != nil {
			t.Fatal(err)
		}
		if fake.sessions != before+1 {
			t.Fatalf("sessions %d → %d", before, fake.sessions)
		}
	})
	t.Run("429_waits_for_ratelimit_reset", func(t *testing.T) {
		fake.limited = true
		defer func() { fake.limited = false }()
		_, err := b.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "ruche-k4", Text: "x", FirstSentAt: first})
		var ne *publishing.NetworkError
		if !errors.As(err, &ne) || ne.Permanent || !ne.RetryAt.Equal(time.Unix(1795168000, 0)) || ne.Code != "RateLimitExceeded" {
			t.Fatalf("%+v", err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		r, _ := b.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "ruche-k5", Text: "à supprimer", FirstSentAt: first})
		if _, err := b.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: r.PlatformID}); err != nil || fake.records[r.PlatformID] != nil {
			t.Fatalf("delete: %v", err)
		}
	})
}

// graphFake speaks the Graph API calls the Meta connector makes, with its
// error body ({"error":{"message","type","code","fbtrace_id"}}).
type graphFake struct {
	mu       sync.Mutex
	objects  map[string]url.Values
	next     int
	limited  bool
	revoked  bool
	insights bool // the Page has insights (100 likes or more)
	requests int
}

func (f *graphFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	w.Header().Set("Content-Type", "application/json")
	fail := func(code int, typ, msg string) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": code, "fbtrace_id": "AbCdEf"}})
	}
	switch {
	case f.revoked:
		fail(190, "OAuthException", "Error validating access token: The session has been invalidated because the user changed their password.")
		return
	case f.limited:
		w.Header().Set("X-App-Usage", `{"call_count":100,"total_time":20,"total_cputime":20}`)
		fail(4, "OAuthException", "(#4) Application request limit reached")
		return
	}
	_ = r.ParseForm()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	id := parts[0]
	switch {
	case r.Method == http.MethodGet && f.objects[id] == nil:
		fail(100, "GraphMethodException", "Unsupported get request. Object with ID '"+id+"' does not exist, cannot be loaded due to missing permissions, or does not support this operation.")
	case r.Method == http.MethodGet && len(parts) == 2 && parts[1] == "insights":
		if !f.insights {
			fail(100, "OAuthException", "(#100) The value must be a valid insights metric")
			return
		}
		_, _ = fmt.Fprintf(w, `{"data":[{"name":"post_media_view","period":"lifetime","values":[{"value":2310}],"title":"Lifetime Post Views","id":"%[1]s/insights/post_media_view/lifetime"},{"name":"post_clicks","period":"lifetime","values":[{"value":87}],"title":"Lifetime Post Clicks","id":"%[1]s/insights/post_clicks/lifetime"}],"paging":{}}`, id)
	case r.Method == http.MethodGet && r.URL.Query().Get("fields") == "followers_count":
		_, _ = fmt.Fprintf(w, `{"followers_count":9120,"id":%q}`, id)
	case r.Method == http.MethodGet:
		_, _ = fmt.Fprintf(w, `{"shares":{"count":6},"reactions":{"data":[],"summary":{"total_count":64,"viewer_reaction":"NONE"}},"comments":{"data":[],"summary":{"order":"ranked","total_count":11,"can_comment":true}},"id":%q}`, id)
	case r.Method == http.MethodDelete:
		if f.objects[id] == nil {
			fail(100, "GraphMethodException", "Unsupported delete request. Object with ID '"+id+"' does not exist")
			return
		}
		delete(f.objects, id)
		_, _ = io.WriteString(w, `{"success":true}`)
	case len(parts) == 2 && parts[1] == "photos":
		f.photo(w, r, id, fail)
	case len(parts) == 2 && parts[1] == "feed" && !f.attachable(r.PostForm):
		fail(100, "OAuthException", "(#100) param attached_media[0] must be an unpublished photo of this Page")
	case len(parts) == 2 && (parts[1] == "feed" || parts[1] == "comments"):
		f.next++
		nid := fmt.Sprintf("%s_%d", id, f.next)
		f.objects[nid] = r.PostForm
		_ = json.NewEncoder(w).Encode(map[string]string{"id": nid})
	case len(parts) == 1 && r.PostForm.Has("is_hidden"):
		if f.objects[id] == nil {
			fail(100, "GraphMethodException", "Unsupported post request. Object with ID '"+id+"' does not exist")
			return
		}
		f.objects[id].Set("is_hidden", r.PostForm.Get("is_hidden"))
		_, _ = io.WriteString(w, `{"success":true}`)
	default:
		fail(100, "GraphMethodException", "Unknown path components")
	}
}

// startGraph serves a Graph fake holding objects, and the connector and
// Page account that reach it.
func startGraph(t *testing.T, objects map[string]url.Values) (*graphFake, *publishing.Meta, publishing.Account) {
	t.Helper()
	fake := &graphFake{objects: objects}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	acct := publishing.Account{ID: "page", Brand: "b", Network: "meta", Token: "page-token",
		Settings: map[string]string{publishing.SettingURL: srv.URL, publishing.SettingPageID: "987"}}
	return fake, publishing.NewMeta(srv.Client()), acct
}

func TestMeta(t *testing.T) {
	fake, m, acct := startGraph(t, map[string]url.Values{"987_654": {}})
	ctx := context.Background()
	post, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "Le menu d'hiver"})
	if err != nil || fake.objects[post.PlatformID].Get("message") != "Le menu d'hiver" {
		t.Fatalf("post %+v: %v", post, err)
	}
	if _, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, TargetID: "987_654", Text: "Merci !"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindHide, TargetID: "987_654"}); err != nil || fake.objects["987_654"].Get("is_hidden") != "true" {
		t.Fatalf("hide: %v", err)
	}
	if _, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindUnhide, TargetID: "987_654"}); err != nil || fake.objects["987_654"].Get("is_hidden") != "false" {
		t.Fatalf("unhide: %v", err)
	}
	if _, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: post.PlatformID, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: post.PlatformID, Attempt: 2}); err != nil {
		t.Fatalf("a retried delete of what an earlier attempt deleted: %v", err)
	}
	if _, found, err := m.Find(ctx, acct, publishing.Action{Kind: publishv1.KindPost}); found || !errors.Is(err, publishing.ErrCannotFind) {
		t.Fatalf("Find = %v %v", found, err)
	}
	fake.limited = true
	_, err = m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "x"})
	var ne *publishing.NetworkError
	if !errors.As(err, &ne) || ne.Permanent || ne.Code != "4" || ne.RetryAt.IsZero() {
		t.Fatalf("rate limit: %+v", err)
	}
	fake.limited, fake.revoked = false, true
	_, err = m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "x"})
	if !errors.As(err, &ne) || !ne.Permanent || ne.Code != "190" || !strings.Contains(ne.Reason, "invalidated") {
		t.Fatalf("revoked token: %+v", err)
	}
}

func TestX(t *testing.T) {
	var mu sync.Mutex
	hidden := map[string]bool{}
	posts, limited := 0, false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if limited {
			w.Header().Set("x-rate-limit-limit", "100")
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", "1795168000")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`)
			return
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/2/tweets":
			if len(fmt.Sprint(body["text"])) > 280 {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"errors":[{"message":"Your Tweet text is too long."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`)
				return
			}
			posts++
			_, _ = fmt.Fprintf(w, `{"data":{"id":"18%d","text":%q}}`, posts, body["text"])
		case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/hidden"):
			id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2/tweets/"), "/hidden")
			hidden[id] = body["hidden"] == true
			_, _ = fmt.Fprintf(w, `{"data":{"hidden":%t}}`, hidden[id])
		case r.Method == http.MethodDelete:
			_, _ = io.WriteString(w, `{"data":{"deleted":true}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	x := publishing.NewX(srv.Client())
	acct := publishing.Account{ID: "x", Brand: "b", Network: "x", Token: "user-token", Settings: map[string]string{publishing.SettingURL: srv.URL}}
	ctx := context.Background()
	r, err := x.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, TargetID: "1790", Text: "Merci !"})
	if err != nil || r.PlatformID != "181" {
		t.Fatalf("reply %+v: %v", r, err)
	}
	if _, err := x.Do(ctx, acct, publishing.Action{Kind: publishv1.KindHide, TargetID: "1790"}); err != nil || !hidden["1790"] {
		t.Fatalf("hide: %v", err)
	}
	if _, err := x.Do(ctx, acct, publishing.Action{Kind: publishv1.KindUnhide, TargetID: "1790"}); err != nil || hidden["1790"] {
		t.Fatalf("unhide: %v", err)
	}
	if _, err := x.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: "181"}); err != nil {
		t.Fatal(err)
	}
	var ne *publishing.NetworkError
	_, err = x.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: strings.Repeat("a", 300)})
	if !errors.As(err, &ne) || !ne.Permanent || ne.Reason != "Your Tweet text is too long." {
		t.Fatalf("too long: %+v", err)
	}
	limited = true
	_, err = x.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "x"})
	if !errors.As(err, &ne) || ne.Permanent || !ne.RetryAt.Equal(time.Unix(1795168000, 0)) {
		t.Fatalf("429: %+v", err)
	}
}
