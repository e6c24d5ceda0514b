package sandbox

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The publish side of the network, for Ruche's publishing service: what
// api.go serves (posts, replies, hide) plus
//
//	POST   /api/v1/comments/{id}/unhide                      show a hidden comment again
//	DELETE /api/v1/items/{id}                                delete one of the brand's posts or replies
//	GET    /api/v1/publications?idempotency_key=K&kind=post|reply
//	       the item a key created (404 when none): how a client whose
//	       answer was lost asks what exists before sending again
//	GET    /api/v1/metrics?ids=ID,...                        the brand's posts' counts (post_metrics.go)
//	POST   /api/v1/media   multipart "file" (an image or a video, at most
//	       8 MiB) and "description" (its alt text, required, at most 1,500
//	       characters), Idempotency-Key honoured: {"id","type","bytes"};
//	       posts and replies attach it with "media_ids"
//
// and the control route that lets tests prove exactly-once:
//
//	GET    /api/v1/sandbox/received   every publish request received (route,
//	       key, status, time; the last 10,000) and the brand's publications
//	       counted by text

// maxReceived bounds the request log.
const maxReceived = 10_000

// Received is one publish request as the network received it.
type Received struct {
	Method string    `json:"method"`
	Route  string    `json:"route"`
	Key    string    `json:"idempotency_key,omitempty"`
	Status int       `json:"status"`
	At     time.Time `json:"at"`
}

// ReceivedReport is the answer of GET /api/v1/sandbox/received.
type ReceivedReport struct {
	Requests []Received `json:"requests"`
	// PostsByText counts the brand's posts and replies on the network per
	// text, all of them (not only the last ones it keeps in full): a text
	// published twice counts 2, a deleted one no more.
	PostsByText map[string]int `json:"posts_by_text"`
	// Hidden lists the ids of hidden items.
	Hidden []string `json:"hidden"`
	// Deleted lists the ids of deleted items.
	Deleted []string `json:"deleted"`
	// Media lists every media uploaded, in order, with the publication it
	// is attached to (empty: uploaded, never attached).
	Media []Media `json:"media"`
}

// Media is a media uploaded with POST /api/v1/media.
type Media struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Bytes       int    `json:"bytes"`
	Description string `json:"description"`
	AttachedTo  string `json:"attached_to,omitempty"`
}

// publishSide is the network's record of publish requests.
type publishSide struct {
	mu       sync.Mutex
	received []Received
	deleted  []string
	media    []*Media
	mediaKey map[string]*Media // by Idempotency-Key
}

// publishRoutes adds the publish side's routes (see above).
func (n *Network) publishRoutes(platform, control *http.ServeMux) {
	platform.HandleFunc("POST /api/v1/comments/{id}/unhide", n.handleUnhide)
	platform.HandleFunc("DELETE /api/v1/items/{id}", n.handleDelete)
	platform.HandleFunc("GET /api/v1/publications", n.handlePublication)
	platform.HandleFunc("GET /api/v1/metrics", n.handleMetrics)
	platform.HandleFunc("POST "+mediaRoute, n.handleMedia)
	control.HandleFunc("GET /api/v1/sandbox/received", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, n.Received()) })
}

// recordPublishes logs every publish request (faults included: a 429 is a
// request received).
func (n *Network) recordPublishes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, ok := publishRoute(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		n.side.mu.Lock()
		defer n.side.mu.Unlock()
		n.side.received = append(n.side.received, Received{Method: r.Method, Route: route, Key: r.Header.Get(IdempotencyKeyHeader), Status: rec.status, At: n.now().UTC()})
		if over := len(n.side.received) - maxReceived; over > 0 {
			n.side.received = append([]Received(nil), n.side.received[over:]...)
		}
	})
}

// publishRoute names the publish routes: posts, replies, hide, unhide, delete.
func publishRoute(r *http.Request) (string, bool) {
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && len(p) == 3 && (p[2] == "posts" || p[2] == "replies" || p[2] == "media"):
		return p[2], true
	case r.Method == http.MethodPost && len(p) == 5 && p[2] == "comments" && (p[4] == "hide" || p[4] == "unhide"):
		return p[4], true
	case r.Method == http.MethodDelete && len(p) == 4 && p[2] == "items":
		return "delete", true
	}
	return "", false
}

func (n *Network) handleUnhide(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	e, ok := n.byID[r.PathValue("id")]
	if !ok || e.raw != nil || e.item.Author.ID == n.brand.ID {
		n.mu.Unlock()
		writeError(w, http.StatusNotFound, "not_found", "comment "+strconv.Quote(r.PathValue("id"))+" not found")
		return
	}
	if e.item.Hidden {
		e.item.Hidden = false
		n.metrics.published.WithLabelValues("unhide").Inc()
	}
	it := e.item
	n.mu.Unlock()
	writeJSON(w, http.StatusOK, it)
}

func (n *Network) handleDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	n.mu.Lock()
	e, ok := n.byID[id]
	if !ok || e.raw != nil || e.item.Author.ID != n.brand.ID {
		n.mu.Unlock()
		writeError(w, http.StatusNotFound, "not_found", "no post or reply "+strconv.Quote(id)+" of the brand")
		return
	}
	delete(n.byID, id)
	if n.published[e.item.Text] > 0 {
		n.published[e.item.Text]--
	}
	for i, p := range n.posts {
		if p == e {
			n.posts = append(n.posts[:i:i], n.posts[i+1:]...)
			break
		}
	}
	it := e.item
	n.metrics.published.WithLabelValues("delete").Inc()
	n.mu.Unlock()
	n.side.mu.Lock()
	n.side.deleted = append(n.side.deleted, id)
	n.side.mu.Unlock()
	writeJSON(w, http.StatusOK, it)
}

func (n *Network) handlePublication(w http.ResponseWriter, r *http.Request) {
	key, kind := r.URL.Query().Get("idempotency_key"), r.URL.Query().Get("kind")
	route := map[string]string{"post": "/api/v1/posts", "reply": "/api/v1/replies"}[kind]
	if key == "" || route == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "idempotency_key and kind (post or reply) are required")
		return
	}
	n.mu.Lock()
	res, ok := n.idem[route+"\x00"+key]
	n.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "nothing was published with this key")
		return
	}
	writeJSON(w, http.StatusOK, res.item)
}

// Received reports the publish requests received and what they made.
func (n *Network) Received() ReceivedReport {
	rep := ReceivedReport{PostsByText: map[string]int{}, Hidden: []string{}}
	n.mu.Lock()
	maps.Copy(rep.PostsByText, n.published)
	for _, e := range n.feed {
		if e.raw == nil && e.item.Hidden {
			rep.Hidden = append(rep.Hidden, e.item.ID)
		}
	}
	n.mu.Unlock()
	n.side.mu.Lock()
	rep.Requests = append([]Received{}, n.side.received...)
	rep.Deleted = append([]string{}, n.side.deleted...)
	rep.Media = []Media{}
	for _, m := range n.side.media {
		rep.Media = append(rep.Media, *m)
	}
	n.side.mu.Unlock()
	return rep
}

// Item returns any item by id (tests check what publishing did).
func (n *Network) Item(id string) (Item, bool) { return n.lookup(id) }

// Media limits of the sandbox.
const (
	mediaRoute       = "/api/v1/media"
	maxMediaBytes    = 8 << 20
	maxMediaAltRunes = 1500
	maxMediaPerPost  = 4
)

func (n *Network) handleMedia(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(maxMediaBytes); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "a multipart form with a file is required: "+err.Error())
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "file is required")
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxMediaBytes+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	desc := r.FormValue("description")
	typ := http.DetectContentType(data)
	switch {
	case len(data) > maxMediaBytes:
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("file is larger than %d bytes", maxMediaBytes))
		return
	case !strings.HasPrefix(typ, "image/") && !strings.HasPrefix(typ, "video/") && !strings.HasPrefix(hdr.Header.Get("Content-Type"), "video/"):
		writeError(w, http.StatusUnprocessableEntity, "invalid", "file is "+typ+", not an image or a video")
		return
	case strings.TrimSpace(desc) == "":
		writeError(w, http.StatusUnprocessableEntity, "invalid", "description is required")
		return
	case utf8.RuneCountInString(desc) > maxMediaAltRunes:
		writeError(w, http.StatusUnprocessableEntity, "invalid", fmt.Sprintf("description is longer than %d characters", maxMediaAltRunes))
		return
	}
	if strings.HasPrefix(typ, "application/") {
		typ = hdr.Header.Get("Content-Type")
	}
	key := r.Header.Get(IdempotencyKeyHeader)
	n.side.mu.Lock()
	defer n.side.mu.Unlock()
	if m, ok := n.side.mediaKey[key]; ok && key != "" {
		writeJSON(w, http.StatusOK, m)
		return
	}
	m := &Media{ID: "m" + strconv.Itoa(len(n.side.media)+1), Type: typ, Bytes: len(data), Description: desc}
	n.side.media = append(n.side.media, m)
	if key != "" {
		if n.side.mediaKey == nil {
			n.side.mediaKey = map[string]*Media{}
		}
		n.side.mediaKey[key] = m
	}
	writeJSON(w, http.StatusCreated, m)
}

func (s *publishSide) find(id string) *Media {
	for _, m := range s.media {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// checkMedia refuses unknown media, media attached elsewhere and too many.
func (s *publishSide) checkMedia(ids []string) error {
	if len(ids) > maxMediaPerPost {
		return fmt.Errorf("media_ids: at most %d", maxMediaPerPost)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		switch m := s.find(id); {
		case m == nil:
			return fmt.Errorf("media_ids: %q was not uploaded", id)
		case m.AttachedTo != "":
			return fmt.Errorf("media_ids: %q is attached to %s already", id, m.AttachedTo)
		}
	}
	return nil
}

func (s *publishSide) attach(ids []string, itemID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if m := s.find(id); m != nil {
			m.AttachedTo = itemID
		}
	}
}
