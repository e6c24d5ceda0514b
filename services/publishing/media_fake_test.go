package publishing_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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

// xMediaFake speaks X's v2 media upload as documented: POST
// /2/media/upload/initialize (JSON media_type, total_bytes,
// media_category), POST /2/media/upload/{id}/append (multipart media and
// segment_index, at most 5 MB a segment), POST
// /2/media/upload/{id}/finalize (a size that does not match is refused;
// videos and GIFs answer a processing_info to poll), GET
// /2/media/upload?command=STATUS&media_id=, POST /2/media/metadata (alt
// text up to 1,000 characters), and POST /2/tweets with media.media_ids
// (only processed media). Errors are X's problem bodies.
type xMediaFake struct {
	mu     sync.Mutex
	media  map[string]*xFakeMedia
	tweets map[string]map[string]any
	next   int
	// polls is how many STATUS answers say in_progress before the end;
	// failProcessing makes the end a failure.
	polls          int
	failProcessing bool
}

type xFakeMedia struct {
	typ, category, alt string
	total              int
	data               []byte
	segments           int
	finalized          bool
	state              string
	polls              int
}

func (f *xMediaFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	invalid := func(msg string) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": msg}}, "title": "Invalid Request",
			"detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"})
	}
	if r.Header.Get("Authorization") != "Bearer user-token" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // 2 media upload {id} {verb}
	status := func(m *xFakeMedia, id string) map[string]any {
		d := map[string]any{"id": id, "media_key": "3_" + id, "expires_after_secs": 86400, "size": len(m.data)}
		if m.state != "" {
			pi := map[string]any{"state": m.state}
			switch m.state {
			case "pending", "in_progress":
				pi["check_after_secs"] = 1
			case "failed":
				pi["error"] = map[string]any{"code": 1, "name": "InvalidMedia", "message": "Invalid or Unsupported media, Reason: UnsupportedMedia."}
			}
			d["processing_info"] = pi
		}
		return map[string]any{"data": d}
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/2/media/upload/initialize":
		var body struct {
			Type     string `json:"media_type"`
			Total    int    `json:"total_bytes"`
			Category string `json:"media_category"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		limit := map[string]int{"tweet_image": 5 << 20, "tweet_gif": 15 << 20, "tweet_video": 512 << 20}[body.Category]
		switch {
		case limit == 0 || !strings.HasPrefix(body.Type, "image/") && !strings.HasPrefix(body.Type, "video/"):
			invalid("media_category or media_type is invalid")
		case body.Total > limit:
			invalid(fmt.Sprintf("File size exceeds %d bytes.", limit))
		default:
			if f.media == nil {
				f.media = map[string]*xFakeMedia{}
			}
			f.next++
			id := fmt.Sprint(1880028106020515840 + f.next)
			f.media[id] = &xFakeMedia{typ: body.Type, category: body.Category, total: body.Total}
			_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"id": id, "media_key": "3_" + id, "expires_after_secs": 1295999}})
		}
	case r.Method == http.MethodPost && len(parts) == 5 && parts[4] == "append":
		m := f.media[parts[3]]
		file, _, err := r.FormFile("media")
		switch {
		case m == nil:
			invalid("media_id is invalid")
			return
		case err != nil || r.FormValue("segment_index") != fmt.Sprint(m.segments):
			invalid("segment_index or media is missing or out of order")
			return
		}
		data, _ := io.ReadAll(file)
		if len(data) > 5<<20 {
			invalid("Segment size exceeds 5 MB.")
			return
		}
		m.data, m.segments = append(m.data, data...), m.segments+1
		_, _ = io.WriteString(w, `{"data":{"expires_at":1739210000}}`)
	case r.Method == http.MethodPost && len(parts) == 5 && parts[4] == "finalize":
		m := f.media[parts[3]]
		switch {
		case m == nil:
			invalid("media_id is invalid")
		case len(m.data) != m.total:
			invalid(fmt.Sprintf("File size mismatch: declared %d, received %d.", m.total, len(m.data)))
		default:
			m.finalized = true
			if m.category != "tweet_image" {
				m.state, m.polls = "pending", f.polls
			}
			_ = json.NewEncoder(w).Encode(status(m, parts[3]))
		}
	case r.Method == http.MethodGet && r.URL.Path == "/2/media/upload" && r.URL.Query().Get("command") == "STATUS":
		id := r.URL.Query().Get("media_id")
		m := f.media[id]
		if m == nil || !m.finalized {
			invalid("media_id is invalid")
			return
		}
		switch {
		case m.polls > 0:
			m.state, m.polls = "in_progress", m.polls-1
		case f.failProcessing:
			m.state = "failed"
		default:
			m.state = "succeeded"
		}
		_ = json.NewEncoder(w).Encode(status(m, id))
	case r.Method == http.MethodPost && r.URL.Path == "/2/media/metadata":
		var body struct {
			ID       string `json:"id"`
			Metadata struct {
				Alt struct {
					Text string `json:"text"`
				} `json:"alt_text"`
			} `json:"metadata"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		m := f.media[body.ID]
		switch {
		case m == nil:
			invalid("id is invalid")
		case utf8.RuneCountInString(body.Metadata.Alt.Text) > 1000:
			invalid("alt_text.text must be 1000 characters or fewer")
		default:
			m.alt = body.Metadata.Alt.Text
			_, _ = fmt.Fprintf(w, `{"data":{"associated_metadata":true,"id":%q}}`, body.ID)
		}
	case r.Method == http.MethodPost && r.URL.Path == "/2/tweets":
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		media, _ := body["media"].(map[string]any)
		ids, _ := media["media_ids"].([]any)
		for _, id := range ids {
			m := f.media[fmt.Sprint(id)]
			if m == nil || !m.finalized || m.state != "" && m.state != "succeeded" {
				invalid("Your media IDs are invalid.")
				return
			}
		}
		if f.tweets == nil {
			f.tweets = map[string]map[string]any{}
		}
		f.next++
		id := fmt.Sprint(1990000000000000000 + f.next)
		f.tweets[id] = body
		_, _ = fmt.Fprintf(w, `{"data":{"id":%q,"text":%q}}`, id, body["text"])
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"title":"Not Found Error","type":"https://api.twitter.com/2/problems/resource-not-found"}`)
	}
}

// photo is the Graph API's POST /{page-id}/photos as documented: a
// multipart "source" of a JPEG, PNG, GIF, BMP or TIFF under 4 MB
// ((#324) without a file, (#100) over the size), published=false for a
// photo a feed post attaches, alt_text_custom its alt text.
func (f *graphFake) photo(w http.ResponseWriter, r *http.Request, page string, fail func(code int, typ, msg string)) {
	file, hdr, err := r.FormFile("source")
	if err != nil {
		fail(324, "OAuthException", "(#324) Requires upload file")
		return
	}
	data, _ := io.ReadAll(file)
	switch typ := hdr.Header.Get("Content-Type"); {
	case typ != "image/jpeg" && typ != "image/png" && typ != "image/gif":
		fail(324, "OAuthException", "(#324) Missing or invalid image file")
		return
	case len(data) > 4<<20:
		fail(100, "OAuthException", "(#100) The photo is too large: photos must be under 4 MB")
		return
	}
	f.next++
	id := fmt.Sprintf("%s_photo%d", page, f.next)
	f.objects[id] = url.Values{"published": {r.FormValue("published")}, "alt_text_custom": {r.FormValue("alt_text_custom")}, "page": {page},
		"size": {fmt.Sprint(len(data))}}
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
}

// attachable checks a feed post's attached_media: each an unpublished
// photo of the fake.
func (f *graphFake) attachable(form url.Values) bool {
	for i := 0; ; i++ {
		v := form.Get(fmt.Sprintf("attached_media[%d]", i))
		if v == "" {
			return true
		}
		var a struct {
			ID string `json:"media_fbid"`
		}
		if json.Unmarshal([]byte(v), &a) != nil || f.objects[a.ID] == nil || f.objects[a.ID].Get("published") != "false" {
			return false
		}
	}
}

// liAsset is an image or video of the LinkedIn fake.
type liAsset struct {
	owner, status string
	size          int64
	parts         [][]byte
	etags         []string
	polls         int
}

// initializeUpload is POST /rest/images|videos?action=initializeUpload as
// documented: the owner must be an organization; an image gets one upload
// URL, a video one per 4 MiB part (uploadInstructions with byte ranges)
// and an upload token.
func (f *linkedInFake) initializeUpload(w http.ResponseWriter, path string, body map[string]any, fail func(status, service int, code, msg string)) {
	req, _ := body["initializeUploadRequest"].(map[string]any)
	owner, _ := req["owner"].(string)
	if !strings.HasPrefix(owner, "urn:li:organization:") {
		fail(422, 0, "UNPROCESSABLE_ENTITY", "/initializeUploadRequest/owner :: field is required")
		return
	}
	if f.assets == nil {
		f.assets = map[string]*liAsset{}
	}
	f.next++
	w.Header().Set("Content-Type", "application/json")
	if path == "/rest/images" {
		urn := fmt.Sprintf("urn:li:image:C4E10AQ%d", f.next)
		f.assets[urn] = &liAsset{owner: owner, status: "WAITING_UPLOAD", parts: make([][]byte, 1)}
		_ = json.NewEncoder(w).Encode(map[string]any{"value": map[string]any{"uploadUrlExpiresAt": 1650567510704, "image": urn,
			"uploadUrl": fmt.Sprintf("%s/dms-uploads/%s/0?ca=vector_feedshare", f.base, url.PathEscape(urn))}})
		return
	}
	size, _ := req["fileSizeBytes"].(float64)
	if size <= 0 || size > 500<<20 {
		fail(400, 0, "ILLEGAL_ARGUMENT", "fileSizeBytes must be between 75 KB and 500 MB")
		return
	}
	urn := fmt.Sprintf("urn:li:video:C5F10AQ%d", f.next)
	a := &liAsset{owner: owner, status: "WAITING_UPLOAD", size: int64(size)}
	var instructions []map[string]any
	for first := int64(0); first < a.size; first += 4 << 20 {
		instructions = append(instructions, map[string]any{"firstByte": first, "lastByte": min(first+4<<20, a.size) - 1,
			"uploadUrl": fmt.Sprintf("%s/dms-uploads/%s/%d?ca=vector_feedshare", f.base, url.PathEscape(urn), len(a.parts))})
		a.parts = append(a.parts, nil)
	}
	f.assets[urn] = a
	_ = json.NewEncoder(w).Encode(map[string]any{"value": map[string]any{"uploadUrlsExpireAt": 1650567510704, "video": urn,
		"uploadInstructions": instructions, "uploadToken": "tok-" + urn}})
}

// upload is the PUT of an asset's part to its upload URL: images must be
// JPEG, PNG or GIF; each part answers its ETag.
func (f *linkedInFake) upload(w http.ResponseWriter, r *http.Request, fail func(status, service int, code, msg string)) {
	rest := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/dms-uploads/"), "/")
	urn, _ := url.PathUnescape(rest[0])
	a := f.assets[urn]
	var part int
	if len(rest) == 2 {
		part, _ = strconv.Atoi(rest[1])
	}
	if r.Method != http.MethodPut || a == nil || part >= len(a.parts) {
		fail(404, 0, "NOT_FOUND", "Not Found")
		return
	}
	data, _ := io.ReadAll(r.Body)
	if strings.HasPrefix(urn, "urn:li:image:") {
		if typ := http.DetectContentType(data); typ != "image/jpeg" && typ != "image/png" && typ != "image/gif" {
			fail(400, 0, "BAD_REQUEST", "Unsupported image type "+typ)
			return
		}
		a.status = "AVAILABLE"
	}
	a.parts[part] = data
	etag := fmt.Sprintf("/ambry-video/signedId/%s/part%d", rest[0], part)
	w.Header().Set("ETag", etag)
	w.WriteHeader(http.StatusCreated)
}

// finalizeUpload is POST /rest/videos?action=finalizeUpload: every part
// uploaded, its ETags in order, the sizes adding up; the video is then
// PROCESSING for a few status reads.
func (f *linkedInFake) finalizeUpload(w http.ResponseWriter, body map[string]any, fail func(status, service int, code, msg string)) {
	req, _ := body["finalizeUploadRequest"].(map[string]any)
	urn, _ := req["video"].(string)
	a := f.assets[urn]
	if a == nil || req["uploadToken"] != "tok-"+urn {
		fail(400, 0, "ILLEGAL_ARGUMENT", "Invalid video or upload token")
		return
	}
	ids, _ := req["uploadedPartIds"].([]any)
	var total int64
	for i, p := range a.parts {
		total += int64(len(p))
		if i >= len(ids) || ids[i] != fmt.Sprintf("/ambry-video/signedId/%s/part%d", url.PathEscape(urn), i) {
			fail(400, 0, "ILLEGAL_ARGUMENT", fmt.Sprintf("uploadedPartIds[%d] does not match the uploaded part", i))
			return
		}
	}
	if total != a.size || len(ids) != len(a.parts) {
		fail(400, 0, "ILLEGAL_ARGUMENT", fmt.Sprintf("uploaded %d bytes in %d parts, declared %d", total, len(ids), a.size))
		return
	}
	a.status, a.polls = "PROCESSING", f.videoPolls
	w.WriteHeader(http.StatusOK)
}

// checkContent is a post's content check: every image or video it names
// uploaded, AVAILABLE and of the same owner.
func (f *linkedInFake) checkContent(v any) string {
	content, _ := v.(map[string]any)
	if content == nil {
		return ""
	}
	var ids []string
	if m, ok := content["media"].(map[string]any); ok {
		ids = append(ids, fmt.Sprint(m["id"]))
	}
	if mi, ok := content["multiImage"].(map[string]any); ok {
		images, _ := mi["images"].([]any)
		for _, im := range images {
			ids = append(ids, fmt.Sprint(im.(map[string]any)["id"]))
		}
	}
	for _, id := range ids {
		if a := f.assets[id]; a == nil || a.status != "AVAILABLE" {
			return fmt.Sprintf("/content/media/id :: %s is not in AVAILABLE state", id)
		}
	}
	return ""
}
