// Package youtube polls the comment threads of a YouTube channel or video
// with the Data API v3.
package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// YouTube source settings and secrets.
const (
	// YouTubeChannel is the setting holding the channel id (UC...): every
	// comment thread of the channel's videos.
	SettingChannel = "channel_id"
	// YouTubeVideo is the setting holding one video id, instead of a channel.
	SettingVideo = "video_id"
	// YouTubeAPIKey is the secret holding an API key of a Google Cloud
	// project with the YouTube Data API v3 enabled.
	APIKey = "api_key"
	// YouTubeAccessToken is the secret holding an OAuth access token
	// instead of an API key (scope youtube.force-ssl or youtube.readonly).
	AccessToken = "access_token"
	// YouTubeDefaultInterval is the least time between two reads of the
	// API unless the source's poll_interval says otherwise: the daily quota
	// is 10,000 units per Google Cloud project, a read costs one, and this
	// keeps a source near 300 a day.
	DefaultInterval = 5 * time.Minute
	// YouTubeEndpoint is the Data API's base URL.
	Endpoint        = "https://www.googleapis.com/youtube/v3"
	youtubePageSize = 100
	// youtubeReplyPages bounds the comments.list pages read for one thread
	// in one poll (100 replies each).
	youtubeReplyPages = 5
	// youtubeRecentThreads bounds the threads whose replies the cursor follows.
	youtubeRecentThreads = 200
)

// Connector polls the comment threads of a channel or a video with the Data
// API v3 (commentThreads.list, order=time, page tokens): top-level comments
// become comment interactions and replies reply interactions. A thread
// carries only some of its replies; when its reply count grew and is larger
// than what came with it, the replies are read with comments.list.
//
// Threads come newest first by creation, so a reply does not bring its
// thread back to the top: the cursor remembers the reply count and newest
// reply of the most recent threads (the first page and more) and finds new
// replies there. A reply to an older thread is not seen by polling.
type Connector struct {
	client *http.Client
	now    func() time.Time
	// Endpoint is the Data API's base URL (YouTubeEndpoint); tests and API
	// proxies change it.
	Endpoint string
}

// New returns a poller using client (an outbound-guarded client in
// production).
func New(client *http.Client) *Connector {
	return &Connector{client: client, now: time.Now, Endpoint: Endpoint}
}

// Name implements connector.Poller.
func (*Connector) Name() string { return "youtube" }

// RequiredSecrets implements connector.Poller: none by name, as either an API key or
// an access token will do (ValidateSource checks that one is there).
func (*Connector) RequiredSecrets() []string { return nil }

// ValidateSource checks that exactly one of channel and video is set, and
// one credential.
func (*Connector) ValidateSource(src connector.Source) error {
	ch, video := strings.TrimSpace(src.Settings[SettingChannel]), strings.TrimSpace(src.Settings[SettingVideo])
	if (ch == "") == (video == "") {
		return fmt.Errorf("set exactly one of settings.%s (every video of a channel) and settings.%s", SettingChannel, SettingVideo)
	}
	if src.Secrets[APIKey] == "" && src.Secrets[AccessToken] == "" {
		return fmt.Errorf("secrets.%s (or secrets.%s) is required for a youtube source", APIKey, AccessToken)
	}
	_, err := connector.IntervalSetting(src, DefaultInterval)
	return err
}

// youtubeCursor is the cursor stored between polls: the newest thread read
// (NewestFirst over the threads' creation), when the API was last read, and
// the replies already read in the recent threads.
type youtubeCursor struct {
	connector.NewestFirst
	Checked time.Time                `json:"checked,omitzero"`
	Threads map[string]youtubeThread `json:"threads,omitempty"`
}

type youtubeThread struct {
	At      time.Time           `json:"at"` // the thread's creation, to keep the newest
	Replies int                 `json:"n"`  // totalReplyCount when last read
	Newest  connector.Watermark `json:"last,omitzero"`
	// Top is the top-level comment's id when it is an interaction (not the
	// brand's own); Missing says the thread was absent from the last read
	// of the page it belongs on.
	Top     string `json:"top,omitempty"`
	Missing bool   `json:"missing,omitempty"`
}

// editSlack is how far before the last read an edit is looked for: the
// API's updatedAt and this clock may disagree a little, and an edit seen
// twice collapses in ingest.
const editSlack = time.Minute

// Poll implements connector.Poller: comments and replies newer than the cursor.
func (y *Connector) Poll(ctx context.Context, src connector.Source, cursor string) (connector.Page, error) {
	if err := y.ValidateSource(src); err != nil {
		return connector.Page{}, err
	}
	every, _ := connector.IntervalSetting(src, DefaultInterval)
	var c youtubeCursor
	notes := connector.DecodeCursor(cursor, &c)
	now := y.now().UTC()
	if c.Next == "" && !c.Checked.IsZero() && now.Sub(c.Checked) < every {
		return connector.Page{Cursor: cursor, Skipped: notes}, nil // not yet: quota
	}
	top := c.Next == "" // the newest page, not a backlog's
	p, err := y.threads(ctx, src, c.Next)
	if err != nil {
		return connector.Page{}, err
	}
	out := connector.Page{Skipped: append(notes, p.Skipped...)}
	if c.Threads == nil {
		c.Threads = map[string]youtubeThread{}
	}
	if top {
		y.deletions(src, &c, p, now, &out)
	}
	editedSince := c.Checked.Add(-editSlack) // zero: the first read, no edit to tell
	stamps := make([]connector.Stamp, 0, len(p.Threads))
	for _, t := range p.Threads {
		stamps = append(stamps, connector.Stamp{At: t.At, ID: t.ID})
		fresh := c.Fresh(t.At, t.ID)
		delivered := map[string]bool{} // items of this page, read as they are now
		if fresh && t.Comment != nil {
			out.Items = append(out.Items, *t.Comment)
			delivered[t.Comment.PlatformID] = true
		}
		known, followed := c.Threads[t.ID]
		replies := t.Replies
		changed := !followed || t.Total != known.Replies
		if fresh || changed { // else reported at an earlier poll
			out.Skipped = append(out.Skipped, t.Skipped...)
		}
		if t.Total > t.Carried && changed {
			all, skipped, err := y.replies(ctx, src, t.ID)
			if err != nil {
				return connector.Page{}, err
			}
			replies = all
			out.Skipped = append(out.Skipped, skipped...)
		}
		mark := connector.Watermark{At: c.Seen.At} // a thread not followed: replies after the last poll
		switch {
		case fresh:
			mark = connector.Watermark{}
		case followed:
			mark = known.Newest
		}
		for _, r := range replies {
			if !mark.Covers(r.CreatedAt, r.PlatformID) {
				out.Items = append(out.Items, r)
				delivered[r.PlatformID] = true
			}
			known.Newest.Add(r.CreatedAt, r.PlatformID)
		}
		for _, e := range t.Edits {
			if !c.Checked.IsZero() && e.At.After(editedSince) && !delivered[e.PlatformID] {
				out.Updates = append(out.Updates, youtubeUpdate(e, src, now))
			}
		}
		known.At, known.Replies = t.At, t.Total
		if t.Comment != nil {
			known.Top = t.Comment.PlatformID
		}
		c.Threads[t.ID] = known
	}
	out.More = c.Read(stamps, p.Cursor)
	c.Checked = now
	trimThreads(c.Threads)
	out.Cursor = connector.EncodeCursor(c)
	return out, nil
}

// Backfill implements connector.Backfiller: older threads (the cursor is the API's
// page token) down to since, each with all its replies.
func (y *Connector) Backfill(ctx context.Context, src connector.Source, since time.Time, cursor string) (connector.Page, error) {
	if err := y.ValidateSource(src); err != nil {
		return connector.Page{}, err
	}
	p, err := y.threads(ctx, src, cursor)
	if err != nil {
		return connector.Page{}, err
	}
	out := connector.Page{Skipped: p.Skipped, Cursor: p.Cursor}
	reached := false
	for _, t := range p.Threads {
		if t.At.Before(since) {
			reached = true
		}
		replies := t.Replies
		out.Skipped = append(out.Skipped, t.Skipped...)
		if t.Total > t.Carried {
			all, skipped, err := y.replies(ctx, src, t.ID)
			if err != nil {
				return connector.Page{}, err
			}
			replies = all
			out.Skipped = append(out.Skipped, skipped...)
		}
		if t.Comment != nil && !t.At.Before(since) {
			out.Items = append(out.Items, *t.Comment)
		}
		for _, r := range replies {
			if !r.CreatedAt.Before(since) {
				out.Items = append(out.Items, r)
			}
		}
	}
	out.More = p.Cursor != "" && !reached && len(p.Threads) > 0
	return out, nil
}

// deletions finds the followed threads missing from the newest page p:
// those created since the page's oldest thread (all of them when p is the
// whole list). A thread missing from two reads in a row was deleted (with
// its top-level comment, by its author or the channel) or held for review:
// its comment interaction is deleted and the thread forgotten; one gap of
// the API deletes nothing.
func (y *Connector) deletions(src connector.Source, c *youtubeCursor, p youtubePage, now time.Time, out *connector.Page) {
	on := make(map[string]bool, len(p.Threads))
	var oldest time.Time
	for i, t := range p.Threads {
		on[t.ID] = true
		if i == 0 || t.At.Before(oldest) {
			oldest = t.At
		}
	}
	for id, th := range c.Threads {
		switch {
		case on[id]:
			th.Missing = false
		case p.Cursor != "" && (len(p.Threads) == 0 || th.At.Before(oldest)):
			continue // on a later page: not read now
		case th.Missing:
			if th.Top != "" {
				iid := v1.InteractionID("youtube", th.Top)
				out.Deletions = append(out.Deletions, v1.Deleted{ID: v1.DeletedID(iid), InteractionID: iid, Brand: src.Brand, Network: "youtube",
					DeletedAt: now, ReceivedAt: now, Reason: "no longer on youtube: deleted, or held for review", Source: v1.SourcePoll, SourceID: src.ID})
			}
			delete(c.Threads, id)
			continue
		default:
			th.Missing = true
		}
		c.Threads[id] = th
	}
}

// youtubeUpdate is the edit of a comment read again.
func youtubeUpdate(e youtubeEdit, src connector.Source, now time.Time) v1.Updated {
	return v1.Updated{ID: v1.UpdatedID(e.ID, e.Text), InteractionID: e.ID, Brand: src.Brand, Network: "youtube", Text: e.Text,
		EditedAt: e.At, ReceivedAt: now, Source: v1.SourcePoll, SourceID: src.ID}
}

// trimThreads keeps the most recent threads.
func trimThreads(m map[string]youtubeThread) {
	if len(m) <= youtubeRecentThreads {
		return
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return m[b].At.Compare(m[a].At) })
	for _, id := range ids[youtubeRecentThreads:] {
		delete(m, id)
	}
}

// threads reads one page of comment threads (token "" = the newest).
func (y *Connector) threads(ctx context.Context, src connector.Source, token string) (youtubePage, error) {
	q := url.Values{}
	q.Set("part", "snippet,replies")
	if ch := strings.TrimSpace(src.Settings[SettingChannel]); ch != "" {
		q.Set("allThreadsRelatedToChannelId", ch)
	} else {
		q.Set("videoId", strings.TrimSpace(src.Settings[SettingVideo]))
	}
	q.Set("order", "time")
	q.Set("maxResults", fmt.Sprint(youtubePageSize))
	q.Set("textFormat", "plainText")
	if token != "" {
		q.Set("pageToken", token)
	}
	body, err := y.get(ctx, src, "commentThreads", q)
	if err != nil {
		return youtubePage{}, err
	}
	return parseYouTubeThreads(body, src, y.now().UTC())
}

// replies reads every reply of a thread with comments.list (a few pages
// at most).
func (y *Connector) replies(ctx context.Context, src connector.Source, thread string) ([]v1.Received, []connector.Skipped, error) {
	var out []v1.Received
	var skipped []connector.Skipped
	token := ""
	for range youtubeReplyPages {
		q := url.Values{}
		q.Set("part", "snippet")
		q.Set("parentId", thread)
		q.Set("maxResults", fmt.Sprint(youtubePageSize))
		q.Set("textFormat", "plainText")
		if token != "" {
			q.Set("pageToken", token)
		}
		body, err := y.get(ctx, src, "comments", q)
		if err != nil {
			return nil, nil, err
		}
		var resp struct {
			NextPageToken string            `json:"nextPageToken"`
			Items         []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &resp); err != nil {
			return nil, nil, fmt.Errorf("youtube comments: malformed page: %w", err)
		}
		now := y.now().UTC()
		for i, raw := range resp.Items {
			r, err := youtubeComment(raw, thread, src, now)
			if err != nil {
				skipped = append(skipped, connector.Skipped{Index: i, Reason: "reply of " + thread + ": " + err.Error()})
				continue
			}
			if r != nil {
				out = append(out, *r)
			}
		}
		if token = resp.NextPageToken; token == "" {
			break
		}
	}
	return out, skipped, nil
}

// get calls one Data API method with the source's credential.
func (y *Connector) get(ctx context.Context, src connector.Source, method string, q url.Values) ([]byte, error) {
	key := src.Secrets[APIKey]
	if key != "" {
		q.Set("key", key)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(y.Endpoint, "/")+"/"+method+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if key == "" {
		req.Header.Set("Authorization", "Bearer "+src.Secrets[AccessToken])
	}
	resp, err := y.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("youtube %s: %s", method, redactKey(err, key))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("youtube %s: %s", method, redactKey(err, key))
	}
	if err := youtubeError(resp, body, y.now()); err != nil {
		return nil, fmt.Errorf("youtube %s: %w", method, err)
	}
	return body, nil
}

// redactKey keeps the API key (in the query string of the URL that
// net/http errors quote) out of errors, hence out of logs and health.
func redactKey(err error, key string) error {
	if key == "" {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), url.QueryEscape(key), "REDACTED"))
}

// youtubeError classifies a Data API answer by the reasons in its error
// body: quota exhausted waits until midnight Pacific time (when quotas
// reset), a refused key or token is ErrUnauthorized, comments disabled or
// an unknown channel or video is a plain error.
func youtubeError(resp *http.Response, body []byte, now time.Time) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	var e struct {
		Error struct {
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	var reasons []string
	for _, x := range e.Error.Errors {
		reasons = append(reasons, x.Reason)
	}
	for _, x := range e.Error.Details {
		reasons = append(reasons, x.Reason)
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if slices.Contains(reasons, n) {
				return true
			}
		}
		return false
	}
	why := fmt.Sprintf("HTTP %d %s: %s", resp.StatusCode, strings.Join(reasons, ","), e.Error.Message)
	switch {
	case has("quotaExceeded", "dailyLimitExceeded"):
		return &connector.RateLimitedError{Wait: untilPacificMidnight(now)}
	case has("rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED") || resp.StatusCode == http.StatusTooManyRequests:
		return &connector.RateLimitedError{Wait: connector.RetryWait(resp.Header, now)}
	case resp.StatusCode == http.StatusUnauthorized,
		has("keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "forbidden", "accessNotConfigured",
			"SERVICE_DISABLED", "ipRefererBlocked", "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED",
			"API_KEY_IP_ADDRESS_BLOCKED", "authError", "insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"):
		return fmt.Errorf("%w: %s", connector.ErrUnauthorized, why)
	case has("commentsDisabled"):
		return fmt.Errorf("comments are disabled: %s", why)
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: %s", connector.ErrUnauthorized, why)
	}
	return errors.New(why)
}

// untilPacificMidnight is how long until the Data API's quotas reset, with
// a minute's margin.
func untilPacificMidnight(now time.Time) time.Duration {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil { // no time zone database: standard time, an hour late in summer
		loc = time.FixedZone("PST", -8*3600)
	}
	t := now.In(loc)
	midnight := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	return midnight.Sub(now) + time.Minute
}

type youtubeCommentSnippet struct {
	AuthorDisplayName string `json:"authorDisplayName"`
	AuthorChannelURL  string `json:"authorChannelUrl"`
	AuthorChannelID   *struct {
		Value string `json:"value"`
	} `json:"authorChannelId"`
	ChannelID    string `json:"channelId"`
	VideoID      string `json:"videoId"`
	TextDisplay  string `json:"textDisplay"`
	TextOriginal string `json:"textOriginal"`
	ParentID     string `json:"parentId"`
	PublishedAt  string `json:"publishedAt"`
	UpdatedAt    string `json:"updatedAt"`
}

type youtubeCommentResource struct {
	ID      string                `json:"id"`
	Snippet youtubeCommentSnippet `json:"snippet"`
}

type youtubeThreadResource struct {
	ID      string `json:"id"`
	Snippet struct {
		VideoID         string          `json:"videoId"`
		TopLevelComment json.RawMessage `json:"topLevelComment"`
		TotalReplyCount int             `json:"totalReplyCount"`
	} `json:"snippet"`
	Replies struct {
		Comments []json.RawMessage `json:"comments"`
	} `json:"replies"`
}

// youtubeThreadItem is a thread of a page: its creation (the top-level
// comment's), its reply count and the number of replies it carries, the
// comment unless it is the brand's own, the replies that came with it, and
// those of its comments that could not be read.
type youtubeThreadItem struct {
	ID      string
	At      time.Time
	Total   int
	Carried int
	Comment *v1.Received
	Replies []v1.Received
	Skipped []connector.Skipped
	// Edits are the comment and replies carried that were edited
	// (updatedAt after publishedAt), as they read now.
	Edits []youtubeEdit
}

// youtubeEdit is a comment edited at At.
type youtubeEdit struct {
	v1.Received
	At time.Time
}

type youtubePage struct {
	Threads []youtubeThreadItem
	Skipped []connector.Skipped
	Cursor  string
}

// parseYouTubeThreads reads a commentThreads.list answer; a thread or reply
// that cannot be read is skipped, the rest kept.
func parseYouTubeThreads(body []byte, src connector.Source, now time.Time) (youtubePage, error) {
	var resp struct {
		NextPageToken string            `json:"nextPageToken"`
		Items         []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return youtubePage{}, fmt.Errorf("youtube commentThreads: malformed page: %w", err)
	}
	out := youtubePage{Cursor: resp.NextPageToken}
	for i, raw := range resp.Items {
		var t youtubeThreadResource
		if err := json.Unmarshal(raw, &t); err != nil {
			out.Skipped = append(out.Skipped, connector.Skipped{Index: i, Reason: err.Error()})
			continue
		}
		var top youtubeCommentResource
		if err := json.Unmarshal(t.Snippet.TopLevelComment, &top); err != nil || t.ID == "" {
			out.Skipped = append(out.Skipped, connector.Skipped{Index: i, Reason: "thread without id or top-level comment"})
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, top.Snippet.PublishedAt)
		if err != nil {
			out.Skipped = append(out.Skipped, connector.Skipped{Index: i, Reason: "thread " + t.ID + ": unreadable publishedAt"})
			continue
		}
		item := youtubeThreadItem{ID: t.ID, At: at.UTC(), Total: t.Snippet.TotalReplyCount, Carried: len(t.Replies.Comments)}
		if c, err := youtubeComment(t.Snippet.TopLevelComment, "", src, now); err != nil {
			item.Skipped = append(item.Skipped, connector.Skipped{Index: i, Reason: "thread " + t.ID + ": " + err.Error()})
		} else {
			item.Comment = c
			item.edited(c, top.Snippet)
		}
		for _, raw := range t.Replies.Comments {
			r, err := youtubeComment(raw, t.ID, src, now)
			if err != nil {
				item.Skipped = append(item.Skipped, connector.Skipped{Index: i, Reason: "reply in thread " + t.ID + ": " + err.Error()})
				continue
			}
			if r != nil {
				item.Replies = append(item.Replies, *r)
				var reply youtubeCommentResource
				_ = json.Unmarshal(raw, &reply) // read by youtubeComment already
				item.edited(r, reply.Snippet)
			}
		}
		out.Threads = append(out.Threads, item)
	}
	return out, nil
}

// edited notes r as edited when its snippet was updated after it was
// published.
func (t *youtubeThreadItem) edited(r *v1.Received, s youtubeCommentSnippet) {
	if r == nil {
		return
	}
	published, err1 := time.Parse(time.RFC3339Nano, s.PublishedAt)
	updated, err2 := time.Parse(time.RFC3339Nano, s.UpdatedAt)
	if err1 == nil && err2 == nil && updated.After(published) {
		t.Edits = append(t.Edits, youtubeEdit{Received: *r, At: updated.UTC()})
	}
}

// youtubeComment reads one comment resource: a top-level comment when
// thread is "", else a reply in thread. The brand's own comments (its
// channel is the source's account or channel) are not interactions: nil.
func youtubeComment(raw json.RawMessage, thread string, src connector.Source, now time.Time) (*v1.Received, error) {
	var c youtubeCommentResource
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	s := c.Snippet
	r := v1.Received{
		Brand: src.Brand, Network: "youtube", Account: src.Account, Kind: v1.KindComment,
		PlatformID: c.ID, ThreadID: c.ID, Text: s.TextOriginal, ReceivedAt: now,
		Source: v1.SourcePoll, SourceID: src.ID,
		Author: v1.Author{DisplayName: s.AuthorDisplayName},
	}
	if r.Text == "" {
		r.Text = s.TextDisplay // textOriginal is only guaranteed to the comment's author
	}
	if s.AuthorChannelID != nil {
		r.Author.ID = s.AuthorChannelID.Value
	}
	if r.Author.ID != "" && (r.Author.ID == src.Account || r.Author.ID == strings.TrimSpace(src.Settings[SettingChannel])) {
		return nil, nil
	}
	if strings.HasPrefix(s.AuthorDisplayName, "@") {
		r.Author.Handle = s.AuthorDisplayName
	}
	if thread != "" {
		r.Kind, r.ThreadID, r.ParentID = v1.KindReply, thread, s.ParentID
		if r.ParentID == "" {
			r.ParentID = thread
		}
	}
	r.ID = v1.InteractionID(r.Network, r.PlatformID)
	if t, err := time.Parse(time.RFC3339Nano, s.PublishedAt); err == nil {
		r.CreatedAt = t.UTC()
	}
	if s.VideoID != "" && c.ID != "" {
		r.URL = "https://www.youtube.com/watch?" + url.Values{"v": {s.VideoID}, "lc": {c.ID}}.Encode()
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}
