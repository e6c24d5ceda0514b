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

// faults are what a fake answers before its normal work: 401 for a bad
// token, then the queued statuses (429 with Retry-After, 5xx).
type faults struct {
	mu    sync.Mutex
	queue []int
}

func (f *faults) push(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, statuses...)
}

func (f *faults) next() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queue) == 0 {
		return 0
	}
	s := f.queue[0]
	f.queue = f.queue[1:]
	return s
}

// linkedInFake speaks the LinkedIn REST calls the connector makes, as
// documented: LinkedIn-Version and X-Restli-Protocol-Version required, the
// created post's URN in x-restli-id (201, empty body), comments under
// /rest/socialActions/{urn}/comments, errors as {"status",
// "serviceErrorCode","code","message"}.
type linkedInFake struct {
	faults
	mu       sync.Mutex
	posts    map[string]map[string]any
	comments map[string]map[string]any
	next     int
	// statsCalls counts share statistics requests.
	statsCalls int
	// base is the fake's URL (its upload URLs); assets are the images and
	// videos uploaded; videoPolls is how many status reads a video stays
	// PROCESSING after its finalizeUpload.
	base       string
	assets     map[string]*liAsset
	videoPolls int
}

func (f *linkedInFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status, service int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "serviceErrorCode": service, "code": code, "message": msg})
	}
	if r.Header.Get("Authorization") != "Bearer li-token" {
		fail(401, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token")
		return
	}
	if strings.HasPrefix(r.URL.Path, "/dms-uploads/") {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.upload(w, r, fail)
		return
	}
	if r.Header.Get("LinkedIn-Version") == "" || r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		fail(426, 0, "NONEXISTENT_VERSION", "A version must be present. Please specify a version by adding the LinkedIn-Version header.")
		return
	}
	switch s := f.faults.next(); {
	case s == 429:
		w.Header().Set("Retry-After", "120")
		fail(429, 101, "", "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.")
		return
	case s >= 500:
		fail(s, 0, "", "Internal Server Error")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	path := r.URL.EscapedPath()
	switch {
	case r.Method == http.MethodPost && (path == "/rest/images" || path == "/rest/videos") && r.URL.Query().Get("action") == "initializeUpload":
		f.initializeUpload(w, path, body, fail)
	case r.Method == http.MethodPost && path == "/rest/videos" && r.URL.Query().Get("action") == "finalizeUpload":
		f.finalizeUpload(w, body, fail)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/rest/videos/"):
		urn, _ := url.PathUnescape(strings.TrimPrefix(path, "/rest/videos/"))
		a := f.assets[urn]
		if a == nil {
			fail(404, 0, "NOT_FOUND", "Not Found")
			return
		}
		if a.status == "PROCESSING" {
			if a.polls == 0 {
				a.status = "AVAILABLE"
			}
			a.polls--
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": urn, "status": a.status, "owner": a.owner})
	case r.Method == http.MethodPost && path == "/rest/posts":
		if strings.TrimSpace(fmt.Sprint(body["commentary"])) == "" || !strings.HasPrefix(fmt.Sprint(body["author"]), "urn:li:organization:") {
			fail(422, 0, "UNPROCESSABLE_ENTITY", "/commentary :: field is required")
			return
		}
		if msg := f.checkContent(body["content"]); msg != "" {
			fail(422, 0, "UNPROCESSABLE_ENTITY", msg)
			return
		}
		f.next++
		urn := fmt.Sprintf("urn:li:share:70%d", f.next)
		f.posts[urn] = body
		w.Header().Set("x-restli-id", urn)
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/rest/socialActions/") && strings.HasSuffix(path, "/comments"):
		target, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(path, "/rest/socialActions/"), "/comments"))
		if f.posts[target] == nil && f.comments[target] == nil {
			fail(404, 0, "NOT_FOUND", "Not Found")
			return
		}
		f.next++
		urn := fmt.Sprintf("urn:li:comment:(%s,71%d)", body["object"], f.next)
		f.comments[urn] = body
		w.Header().Set("x-restli-id", urn)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"$URN": urn, "id": fmt.Sprint(71, f.next), "actor": body["actor"], "object": body["object"], "message": body["message"]})
	case r.Method == http.MethodGet && path == "/rest/organizationalEntityShareStatistics":
		f.shareStatistics(w, r, fail)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/rest/networkSizes/"):
		org, _ := url.PathUnescape(strings.TrimPrefix(path, "/rest/networkSizes/"))
		if !strings.HasPrefix(org, "urn:li:organization:") || r.URL.Query().Get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER" {
			fail(400, 0, "ILLEGAL_ARGUMENT", "Invalid edgeType or entity urn")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"firstDegreeSize":14212}`)
	case r.Method == http.MethodDelete && strings.HasPrefix(path, "/rest/posts/"):
		urn, _ := url.PathUnescape(strings.TrimPrefix(path, "/rest/posts/"))
		if f.posts[urn] == nil {
			fail(404, 0, "NOT_FOUND", "Not Found")
			return
		}
		delete(f.posts, urn)
		w.WriteHeader(http.StatusNoContent)
	default:
		fail(404, 0, "NOT_FOUND", "Not Found")
	}
}

// shareStatistics is GET /rest/organizationalEntityShareStatistics?q=
// organizationalEntity with shares=List(...) or ugcPosts=List(...): Rest.li
// 2.0 wants each URN of a List encoded (a raw colon is a syntax error);
// every post of the organization the fake has comes back with its lifetime
// counts, others are left out.
func (f *linkedInFake) shareStatistics(w http.ResponseWriter, r *http.Request, fail func(status, service int, code, msg string)) {
	q := r.URL.Query()
	if q.Get("q") != "organizationalEntity" || !strings.HasPrefix(q.Get("organizationalEntity"), "urn:li:organization:") {
		fail(400, 0, "ILLEGAL_ARGUMENT", "Invalid query parameters passed to request")
		return
	}
	raw := r.URL.RawQuery
	if strings.Contains(raw, "urn:li") {
		fail(400, 0, "ILLEGAL_ARGUMENT", "Syntax exception in path variables")
		return
	}
	f.statsCalls++
	type stats struct {
		Impressions int64   `json:"impressionCount"`
		Unique      int64   `json:"uniqueImpressionsCount"`
		Likes       int64   `json:"likeCount"`
		Comments    int64   `json:"commentCount"`
		Shares      int64   `json:"shareCount"`
		Clicks      int64   `json:"clickCount"`
		Engagement  float64 `json:"engagement"`
	}
	var elements []map[string]any
	for _, param := range []string{"shares", "ugcPosts"} {
		list := q.Get(param)
		if list == "" {
			continue
		}
		inner, ok := strings.CutPrefix(list, "List(")
		if !ok || !strings.HasSuffix(inner, ")") {
			fail(400, 0, "ILLEGAL_ARGUMENT", "Syntax exception in path variables")
			return
		}
		for _, urn := range strings.Split(strings.TrimSuffix(inner, ")"), ",") {
			if f.posts[urn] == nil {
				continue
			}
			n := int64(len(urn))
			el := map[string]any{"organizationalEntity": q.Get("organizationalEntity"),
				"totalShareStatistics": stats{Impressions: 100 * n, Unique: 80 * n, Likes: n, Comments: 2, Shares: 3, Clicks: 9, Engagement: 0.02}}
			el[map[string]string{"shares": "share", "ugcPosts": "ugcPost"}[param]] = urn
			elements = append(elements, el)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"paging": map[string]any{"count": 10, "start": 0, "links": []any{}}, "elements": elements})
}

func TestLinkedIn(t *testing.T) {
	fake := &linkedInFake{posts: map[string]map[string]any{"urn:li:share:6999": {}}, comments: map[string]map[string]any{
		"urn:li:comment:(urn:li:activity:6999,123)": {}}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	l := publishing.NewLinkedIn(srv.Client())
	acct := publishing.Account{ID: "li", Brand: "b", Network: "linkedin", Token: "li-token",
		Settings: map[string]string{publishing.SettingURL: srv.URL, publishing.SettingAuthor: "urn:li:organization:5515715"}}
	ctx := context.Background()
	post, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "Le menu d'hiver est arrivé"})
	if err != nil || !strings.HasPrefix(post.PlatformID, "urn:li:share:") || fake.posts[post.PlatformID]["commentary"] != "Le menu d'hiver est arrivé" ||
		post.URL != "https://www.linkedin.com/feed/update/"+post.PlatformID {
		t.Fatalf("post %+v: %v", post, err)
	}
	reply, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, TargetID: "urn:li:comment:(urn:li:activity:6999,123)", Text: "Merci !"})
	if err != nil || !strings.HasPrefix(reply.PlatformID, "urn:li:comment:(urn:li:activity:6999,") {
		t.Fatalf("reply %+v: %v", reply, err)
	}
	if c := fake.comments[reply.PlatformID]; c["object"] != "urn:li:activity:6999" || c["parentComment"] != "urn:li:comment:(urn:li:activity:6999,123)" {
		t.Fatalf("reply body %v", c)
	}
	if _, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: post.PlatformID, Attempt: 1}); err != nil || fake.posts[post.PlatformID] != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: post.PlatformID, Attempt: 2}); err != nil {
		t.Fatalf("a retried delete of what an earlier attempt deleted: %v", err)
	}
	var ne *publishing.NetworkError
	if _, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindHide, TargetID: "urn:li:comment:(urn:li:activity:6999,123)"}); !errors.As(err, &ne) || ne.Code != "unsupported" || !ne.Permanent {
		t.Fatalf("hide: %v", err)
	}
	fake.push(429)
	_, err = l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "x"})
	if !errors.As(err, &ne) || ne.Permanent || ne.Status != 429 || ne.RetryAt.Before(time.Now().Add(110*time.Second)) {
		t.Fatalf("429: %+v", err)
	}
	fake.push(503)
	if _, err = l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "x"}); !errors.As(err, &ne) || ne.Permanent || ne.Status != 503 {
		t.Fatalf("503: %+v", err)
	}
	acct.Token = "expired"
	if _, err = l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "x"}); !errors.As(err, &ne) || !ne.Permanent || ne.Code != "INVALID_ACCESS_TOKEN" {
		t.Fatalf("401: %+v", err)
	}
	if _, found, err := l.Find(ctx, acct, publishing.Action{Kind: publishv1.KindPost}); found || !errors.Is(err, publishing.ErrCannotFind) {
		t.Fatalf("Find = %v %v", found, err)
	}
}

// youTubeFake speaks the YouTube Data API v3 comment calls the connector
// makes, with Google's error body ({"error":{"code","message","errors":
// [{"reason","domain"}],"status"}}).
type youTubeFake struct {
	faults
	mu       sync.Mutex
	comments map[string]map[string]string
	next     int
	// videos and channel are the statistics objects of videos.list and
	// channels.list (counts as strings, as the Data API sends them).
	videos  map[string]map[string]any
	channel map[string]any
}

func (f *youTubeFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, reason, domain, msg string) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": status, "message": msg,
			"errors": []map[string]string{{"message": msg, "domain": domain, "reason": reason}}}})
	}
	if r.Header.Get("Authorization") != "Bearer yt-token" {
		fail(401, "authError", "global", "Request had invalid authentication credentials.")
		return
	}
	switch s := f.faults.next(); {
	case s == 429:
		w.Header().Set("Retry-After", "30")
		fail(429, "rateLimitExceeded", "youtube.api", "The request cannot be completed because you have exceeded your rate limit.")
		return
	case s == 403:
		fail(403, "quotaExceeded", "youtube.quota", "The request cannot be completed because you have exceeded your quota.")
		return
	case s >= 500:
		fail(s, "backendError", "global", "Backend Error")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/comments" && q.Get("part") == "snippet":
		var body struct {
			Snippet map[string]string `json:"snippet"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		parent := f.comments[body.Snippet["parentId"]]
		if parent == nil {
			fail(404, "parentCommentNotFound", "youtube.comment", "The specified parent comment could not be found.")
			return
		}
		f.next++
		id := body.Snippet["parentId"] + fmt.Sprintf(".AzR%d", f.next)
		f.comments[id] = map[string]string{"text": body.Snippet["textOriginal"], "videoId": parent["videoId"], "status": "published"}
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "youtube#comment", "id": id,
			"snippet": map[string]string{"videoId": parent["videoId"], "textOriginal": body.Snippet["textOriginal"], "parentId": body.Snippet["parentId"]}})
	case r.Method == http.MethodPost && r.URL.Path == "/comments/setModerationStatus":
		c := f.comments[q.Get("id")]
		if c == nil {
			fail(404, "commentNotFound", "youtube.comment", "The comment could not be found.")
			return
		}
		c["status"] = q.Get("moderationStatus")
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && r.URL.Path == "/videos" && q.Get("part") == "statistics":
		if q.Has("maxResults") {
			fail(400, "incompatibleParameters", "youtube.parameter", "The maxResults parameter is not supported in conjunction with the id parameter.")
			return
		}
		if len(strings.Split(q.Get("id"), ",")) > 50 {
			fail(400, "invalidFilters", "youtube.parameter", "The request specifies more than 50 video ids.")
			return
		}
		items := []map[string]any{}
		for _, id := range strings.Split(q.Get("id"), ",") {
			if st, ok := f.videos[id]; ok {
				items = append(items, map[string]any{"kind": "youtube#video", "etag": "e" + id, "id": id, "statistics": st})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "youtube#videoListResponse", "etag": "list",
			"pageInfo": map[string]int{"totalResults": len(items), "resultsPerPage": len(items)}, "items": items})
	case r.Method == http.MethodGet && r.URL.Path == "/channels" && q.Get("part") == "statistics" && q.Get("mine") == "true":
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "youtube#channelListResponse", "items": []map[string]any{{"kind": "youtube#channel",
			"id": "UCbrand", "statistics": f.channel}}})
	case r.Method == http.MethodDelete && r.URL.Path == "/comments":
		if f.comments[q.Get("id")] == nil {
			fail(404, "commentNotFound", "youtube.comment", "The comment could not be found.")
			return
		}
		delete(f.comments, q.Get("id"))
		w.WriteHeader(http.StatusNoContent)
	default:
		_, _ = io.WriteString(w, "{}")
		w.WriteHeader(http.StatusNotFound)
	}
}

func TestYouTube(t *testing.T) {
	fake := &youTubeFake{comments: map[string]map[string]string{
		"UgzTop": {"videoId": "dQw4w9WgXcQ", "status": "published"}, "UgzTop.AzRfan": {"videoId": "dQw4w9WgXcQ", "status": "published"}}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	y := publishing.NewYouTube(srv.Client())
	acct := publishing.Account{ID: "yt", Brand: "b", Network: "youtube", Token: "yt-token", Settings: map[string]string{publishing.SettingURL: srv.URL}}
	ctx := context.Background()
	r, err := y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, TargetID: "UgzTop.AzRfan", Text: "Merci !"})
	if err != nil || !strings.HasPrefix(r.PlatformID, "UgzTop.") || fake.comments[r.PlatformID]["text"] != "Merci !" || !strings.Contains(r.URL, "watch?v=dQw4w9WgXcQ&lc=") {
		t.Fatalf("a reply to a reply answers the top-level comment: %+v %v", r, err)
	}
	if _, err := y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindHide, TargetID: "UgzTop.AzRfan"}); err != nil || fake.comments["UgzTop.AzRfan"]["status"] != "heldForReview" {
		t.Fatalf("hide: %v", err)
	}
	if _, err := y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindUnhide, TargetID: "UgzTop.AzRfan"}); err != nil || fake.comments["UgzTop.AzRfan"]["status"] != "published" {
		t.Fatalf("unhide: %v", err)
	}
	if _, err := y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindDelete, TargetID: r.PlatformID, Attempt: 1}); err != nil || fake.comments[r.PlatformID] != nil {
		t.Fatalf("delete: %v", err)
	}
	var ne *publishing.NetworkError
	if _, err := y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "x"}); !errors.As(err, &ne) || ne.Code != "unsupported" {
		t.Fatalf("post: %v", err)
	}
	if _, err := y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, TargetID: "UgzGone", Text: "x"}); !errors.As(err, &ne) || !ne.Permanent || ne.Code != "parentCommentNotFound" {
		t.Fatalf("404: %+v", err)
	}
	fake.push(429)
	if _, err := y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, TargetID: "UgzTop", Text: "x"}); !errors.As(err, &ne) || ne.Permanent || ne.RetryAt.Before(time.Now().Add(25*time.Second)) {
		t.Fatalf("429: %+v", err)
	}
	fake.push(403)
	_, err = y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, TargetID: "UgzTop", Text: "x"})
	if !errors.As(err, &ne) || ne.Permanent || ne.Code != "quotaExceeded" || ne.RetryAt.Before(time.Now()) || ne.RetryAt.After(time.Now().Add(25*time.Hour)) {
		t.Fatalf("quota: %+v", err)
	}
	if pt := ne.RetryAt.In(mustLoc(t, "America/Los_Angeles")); pt.Hour() != 0 || pt.Minute() != 0 {
		t.Fatalf("the quota resets at midnight Pacific, not %s", pt)
	}
	fake.push(500)
	if _, err := y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, TargetID: "UgzTop", Text: "x"}); !errors.As(err, &ne) || ne.Permanent || ne.Status != 500 || ne.Code != "backendError" {
		t.Fatalf("500: %+v", err)
	}
	acct.Token = "revoked"
	if _, err := y.Do(ctx, acct, publishing.Action{Kind: publishv1.KindReply, TargetID: "UgzTop", Text: "x"}); !errors.As(err, &ne) || !ne.Permanent || ne.Status != 401 {
		t.Fatalf("401: %+v", err)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
