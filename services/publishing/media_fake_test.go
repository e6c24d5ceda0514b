package publishing_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// fakeMastodonMedia is a media attachment of the Mastodon fake.
type fakeMastodonMedia struct {
	ID          string
	Type        string
	Description string
	Size        int
	// pending is how many more GETs answer 206 (still processing).
	pending int
}

func (m *fakeMastodonMedia) json() map[string]any {
	out := map[string]any{"id": m.ID, "type": "image", "url": nil, "preview_url": nil, "description": m.Description}
	if strings.HasPrefix(m.Type, "video/") {
		out["type"] = "video"
	}
	if m.pending == 0 {
		out["url"] = "https://files.piaille.example/media_attachments/" + m.ID + ".png"
		out["preview_url"] = out["url"]
	}
	return out
}

// serveMedia is Mastodon's media API as documented: POST /api/v2/media
// (multipart file and description; 200 when processed synchronously, 202
// with a null url while processing; 422 for a file of a type the instance
// does not take or a description over 1,500 characters), GET
// /api/v1/media/:id (206 while processing, 200 once it has a url).
func (f *mastodonFake) serveMedia(w http.ResponseWriter, r *http.Request) {
	if f.media == nil {
		f.media = map[string]*fakeMastodonMedia{}
	}
	if r.Method == http.MethodGet {
		m := f.media[strings.TrimPrefix(r.URL.Path, "/api/v1/media/")]
		if m == nil {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"Record not found"}`)
			return
		}
		status := http.StatusOK
		if m.pending > 0 {
			m.pending--
			status = http.StatusPartialContent
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(m.json())
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/media" {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":"Record not found"}`)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, `{"error":"Validation failed: File can't be blank"}`)
		return
	}
	data, _ := io.ReadAll(file)
	typ := hdr.Header.Get("Content-Type")
	desc := r.FormValue("description")
	switch {
	case typ != "image/png" && typ != "image/jpeg" && typ != "image/gif" && typ != "image/webp" && typ != "video/mp4":
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, `{"error":"Validation failed: File content type is invalid, File is invalid"}`)
		return
	case utf8.RuneCountInString(desc) > 1500:
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, `{"error":"Validation failed: Description is too long (maximum is 1500 characters)"}`)
		return
	}
	f.uploads++
	f.next++
	m := &fakeMastodonMedia{ID: fmt.Sprint(110000000000000 + f.next), Type: typ, Description: desc, Size: len(data), pending: f.processing}
	f.media[m.ID] = m
	status := http.StatusOK
	if m.pending > 0 {
		status = http.StatusAccepted
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(m.json())
}

// checkMediaIDs is a status's media check: known, processed, at most 4.
func (f *mastodonFake) checkMediaIDs(v any) string {
	ids, _ := v.([]any)
	if len(ids) > 4 {
		return "Validation failed: Media attachments too many"
	}
	for _, id := range ids {
		m := f.media[fmt.Sprint(id)]
		switch {
		case m == nil:
			return "Validation failed: Media attachments is invalid"
		case m.pending > 0:
			return "Cannot attach files that have not finished processing. Try again in a moment!"
		}
	}
	return ""
}
