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

// Blob limits of a PDS: uploadBlob takes up to 5 MB (413 PayloadTooLarge
// beyond), and a post's image (app.bsky.embed.images lexicon) at most
// 1,000,000 bytes, enforced when the record references it (BlobTooLarge).
const (
	pdsUploadLimit = 5_000_000
	bskyImageLimit = 1_000_000
)

func (f *pdsFake) uploadBlob(w http.ResponseWriter, r *http.Request, fail func(status int, code, msg string)) {
	data, _ := io.ReadAll(io.LimitReader(r.Body, pdsUploadLimit+1))
	if len(data) > pdsUploadLimit {
		fail(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
		return
	}
	if f.blobs == nil {
		f.blobs = map[string]int{}
	}
	cid := fmt.Sprintf("bafkreiblob%d", len(f.blobs)+1)
	f.blobs[cid] = len(data)
	_ = json.NewEncoder(w).Encode(map[string]any{"blob": map[string]any{"$type": "blob", "ref": map[string]string{"$link": cid},
		"mimeType": r.Header.Get("Content-Type"), "size": len(data)}})
}

// checkEmbed is createRecord's check of an app.bsky.embed.images embed.
func (f *pdsFake) checkEmbed(rec map[string]any) (code, msg string) {
	embed, _ := rec["embed"].(map[string]any)
	if embed == nil {
		return "", ""
	}
	images, _ := embed["images"].([]any)
	if embed["$type"] != "app.bsky.embed.images" || len(images) == 0 || len(images) > 4 {
		return "InvalidRequest", "Invalid app.bsky.feed.post record: Record/embed must be a valid embed with 1 to 4 images"
	}
	for i, im := range images {
		m, _ := im.(map[string]any)
		if _, ok := m["alt"].(string); !ok {
			return "InvalidRequest", fmt.Sprintf("Invalid app.bsky.feed.post record: Record/embed/images/%d must have the property \"alt\"", i)
		}
		blob, _ := m["image"].(map[string]any)
		ref, _ := blob["ref"].(map[string]any)
		cid, _ := ref["$link"].(string)
		size, ok := f.blobs[cid]
		switch {
		case !ok:
			return "BlobNotFound", "Could not find blob: " + cid
		case size > bskyImageLimit:
			return "BlobTooLarge", fmt.Sprintf("This file is too large. It is %d bytes but the maximum size is %d bytes.", size, bskyImageLimit)
		}
	}
	return "", ""
}
