package publishing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/services/publishing"
)

// pngBytes is a real PNG image.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func asNetworkError(t *testing.T, err error) *publishing.NetworkError {
	t.Helper()
	var ne *publishing.NetworkError
	if !errors.As(err, &ne) {
		t.Fatalf("error %v is not a NetworkError", err)
	}
	return ne
}

func TestFetchMedia(t *testing.T) {
	img := pngBytes(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(img)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(img)
		case "/page.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte("<!doctype html><html><body>not an image</body></html>"))
		case "/big.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(append(img, make([]byte, 4096)...))
		case "/away.png":
			http.Redirect(w, r, other.URL+"/a.png", http.StatusFound)
		case "/busy.png":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := publishing.Config{Consumer: "p", RequestTimeout: 2 * time.Second, MaxAttempts: 1, RetryInterval: time.Second, BackoffBase: time.Second, BackoffMax: time.Second,
		MetricsEvery: time.Hour, MetricsHorizon: time.Hour, FollowersEvery: time.Hour,
		MediaOrigins: []string{srv.URL}, MediaMaxBytes: 2048, MediaAllowLocal: true}
	ctx := context.Background()
	media := func(path string) publishv1.Media {
		return publishv1.Media{URL: srv.URL + path, Kind: "image", AltText: "un carré"}
	}

	f, err := publishing.FetchMedia(ctx, cfg, media("/a.png"))
	if err != nil || f.Type != "image/png" || !bytes.Equal(f.Data, img) || f.AltText != "un carré" {
		t.Fatalf("fetch = %+v, %v", f.Type, err)
	}
	for name, c := range map[string]struct {
		cfg    func(publishing.Config) publishing.Config
		m      publishv1.Media
		reason string
	}{
		"private_address_without_allowance": {func(c publishing.Config) publishing.Config { c.MediaAllowLocal = false; return c }, media("/a.png"), "not public"},
		"origin_not_configured":             {func(c publishing.Config) publishing.Config { c.MediaOrigins = nil; return c }, media("/a.png"), "media origin"},
		"redirect_off_the_origins":          {nil, media("/away.png"), "not a media origin"},
		"bytes_not_the_declared_type":       {nil, media("/page.png"), "declared image/png"},
		"over_the_size_limit":               {nil, media("/big.png"), "more than 2048 bytes"},
		"kind_mismatch":                     {nil, publishv1.Media{URL: srv.URL + "/a.png", Kind: "video", AltText: "x"}, "not one of the video types"},
		"mime_type_mismatch":                {nil, publishv1.Media{URL: srv.URL + "/a.png", Kind: "image", MimeType: "image/jpeg", AltText: "x"}, "says image/jpeg"},
		"not_found":                         {nil, media("/missing.png"), "404"},
	} {
		t.Run(name, func(t *testing.T) {
			cc := cfg
			cc.MediaOrigins = append([]string(nil), cfg.MediaOrigins...)
			if c.cfg != nil {
				cc = c.cfg(cc)
			}
			_, err := publishing.FetchMedia(ctx, cc, c.m)
			ne := asNetworkError(t, err)
			if !ne.Permanent || ne.Code != publishing.CodeMedia || !strings.Contains(ne.Reason, c.reason) {
				t.Fatalf("%+v, want a permanent %s naming %q", ne, publishing.CodeMedia, c.reason)
			}
		})
	}
	t.Run("server_error_is_retryable", func(t *testing.T) {
		ne := asNetworkError(t, func() error { _, err := publishing.FetchMedia(ctx, cfg, media("/busy.png")); return err }())
		if ne.Permanent || ne.Status != http.StatusServiceUnavailable {
			t.Fatalf("%+v", ne)
		}
	})
}

func TestMastodonMedia(t *testing.T) {
	fake := &mastodonFake{byKey: map[string]string{}, statuses: map[string]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	m := publishing.NewMastodon(srv.Client())
	acct := publishing.Account{ID: "masto", Brand: "b", Network: "mastodon", Token: "good-token", Settings: map[string]string{publishing.SettingURL: srv.URL}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	file := publishing.MediaFile{Media: publishv1.Media{URL: "https://cdn.example/menu.png", Kind: "image", AltText: "L'ardoise du menu"}, Type: "image/png", Data: pngBytes(t)}

	t.Run("processing_then_ready_then_attached", func(t *testing.T) {
		fake.mu.Lock()
		fake.processing = 2 // 202, then 206 twice, then 200 with a url
		fake.mu.Unlock()
		id, err := m.UploadMedia(ctx, acct, file, "k-m0")
		if err != nil {
			t.Fatal(err)
		}
		fake.mu.Lock()
		md := fake.media[id]
		fake.mu.Unlock()
		if md == nil || md.pending != 0 || md.Description != "L'ardoise du menu" || md.Type != "image/png" || md.Size != len(file.Data) {
			t.Fatalf("uploaded %+v", md)
		}
		r, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "k-post", Text: "Le menu", MediaRefs: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		fake.mu.Lock()
		defer fake.mu.Unlock()
		if ids, _ := fake.statuses[r.PlatformID]["media_ids"].([]any); len(ids) != 1 || ids[0] != id {
			t.Fatalf("status media_ids = %v, want [%s]", fake.statuses[r.PlatformID]["media_ids"], id)
		}
	})
	t.Run("a_media_still_processing_is_refused_by_the_status", func(t *testing.T) {
		fake.mu.Lock()
		fake.processing = 100
		fake.mu.Unlock()
		defer func() { fake.mu.Lock(); fake.processing = 0; fake.mu.Unlock() }()
		short, cancel := context.WithTimeout(ctx, 600*time.Millisecond)
		defer cancel()
		_, err := m.UploadMedia(short, acct, file, "k-m1")
		if ne := asNetworkError(t, err); ne.Permanent || ne.Code != "timeout" {
			t.Fatalf("%+v, want a retryable timeout", ne)
		}
		fake.mu.Lock()
		var pending string
		for id, md := range fake.media {
			if md.pending > 0 {
				pending = id
			}
		}
		fake.mu.Unlock()
		_, err = m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "k-post2", Text: "Le menu", MediaRefs: []string{pending}})
		if ne := asNetworkError(t, err); ne.Status != 422 || !strings.Contains(ne.Reason, "not finished processing") {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("422_unsupported_file_is_permanent_with_the_reason", func(t *testing.T) {
		bad := file
		bad.Type = "application/pdf"
		_, err := m.UploadMedia(ctx, acct, bad, "k-m2")
		if ne := asNetworkError(t, err); !ne.Permanent || ne.Status != 422 || ne.Reason != "Validation failed: File content type is invalid, File is invalid" {
			t.Fatalf("%+v", ne)
		}
	})
}

func TestBlueskyMedia(t *testing.T) {
	fake := &pdsFake{records: map[string]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	b := publishing.NewBluesky(srv.Client())
	acct := publishing.Account{ID: "bsky", Brand: "b", Network: "bluesky", Handle: "cafe.bsky.social", Token: "app-pass", Settings: map[string]string{publishing.SettingURL: srv.URL}}
	ctx := context.Background()
	img := publishv1.Media{URL: "https://cdn.example/menu.png", Kind: "image", AltText: "L'ardoise du menu"}
	first := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

	t.Run("uploaded_blob_embedded_with_its_alt_text", func(t *testing.T) {
		ref, err := b.UploadMedia(ctx, acct, publishing.MediaFile{Media: img, Type: "image/png", Data: pngBytes(t)}, "k-m0")
		if err != nil {
			t.Fatal(err)
		}
		r, err := b.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "ruche-media-1", Text: "Le menu", Attempt: 1, FirstSentAt: first,
			Media: []publishv1.Media{img}, MediaRefs: []string{ref}})
		if err != nil {
			t.Fatal(err)
		}
		fake.mu.Lock()
		defer fake.mu.Unlock()
		embed, _ := fake.records[r.PlatformID]["embed"].(map[string]any)
		images, _ := embed["images"].([]any)
		if embed["$type"] != "app.bsky.embed.images" || len(images) != 1 {
			t.Fatalf("embed %v", embed)
		}
		im := images[0].(map[string]any)
		blob, _ := im["image"].(map[string]any)
		if im["alt"] != "L'ardoise du menu" || blob["$type"] != "blob" || blob["mimeType"] != "image/png" {
			t.Fatalf("image %v", im)
		}
	})
	t.Run("an_image_over_the_limit_is_refused_by_the_record_permanently", func(t *testing.T) {
		big := make([]byte, 1_200_000)
		copy(big, pngBytes(t))
		ref, err := b.UploadMedia(ctx, acct, publishing.MediaFile{Media: img, Type: "image/png", Data: big}, "k-m1")
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Key: "ruche-media-2", Text: "Le menu", Attempt: 1, FirstSentAt: first,
			Media: []publishv1.Media{img}, MediaRefs: []string{ref}})
		if ne := asNetworkError(t, err); !ne.Permanent || ne.Code != "BlobTooLarge" || !strings.Contains(ne.Reason, "maximum size") {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("an_upload_over_the_pds_limit_is_refused", func(t *testing.T) {
		_, err := b.UploadMedia(ctx, acct, publishing.MediaFile{Media: img, Type: "image/png", Data: make([]byte, 5_000_001)}, "k-m2")
		if ne := asNetworkError(t, err); !ne.Permanent || ne.Status != http.StatusRequestEntityTooLarge || ne.Code != "PayloadTooLarge" {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("video_is_refused_saying_why", func(t *testing.T) {
		_, err := b.UploadMedia(ctx, acct, publishing.MediaFile{Media: publishv1.Media{URL: "https://cdn.example/v.mp4", Kind: "video", AltText: "v"}, Type: "video/mp4", Data: []byte("x")}, "k-m3")
		if ne := asNetworkError(t, err); !ne.Permanent || ne.Code != "unsupported" || !strings.Contains(ne.Reason, "video") {
			t.Fatalf("%+v", ne)
		}
	})
}

func TestXMedia(t *testing.T) {
	fake := &xMediaFake{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	x := publishing.NewX(srv.Client())
	acct := publishing.Account{ID: "x", Brand: "b", Network: "x", Token: "user-token", Settings: map[string]string{publishing.SettingURL: srv.URL}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	img := publishing.MediaFile{Media: publishv1.Media{URL: "https://cdn.example/menu.png", Kind: "image", AltText: "L'ardoise du menu"}, Type: "image/png", Data: pngBytes(t)}

	t.Run("image_uploaded_with_alt_text_and_attached", func(t *testing.T) {
		id, err := x.UploadMedia(ctx, acct, img, "k-m0")
		if err != nil {
			t.Fatal(err)
		}
		r, err := x.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "Le menu", MediaRefs: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		fake.mu.Lock()
		defer fake.mu.Unlock()
		m := fake.media[id]
		if m.alt != "L'ardoise du menu" || m.segments != 1 || !bytes.Equal(m.data, img.Data) || m.category != "tweet_image" {
			t.Fatalf("media %+v", m)
		}
		if ids := fake.tweets[r.PlatformID]["media"].(map[string]any)["media_ids"].([]any); len(ids) != 1 || ids[0] != id {
			t.Fatalf("tweet media_ids %v", ids)
		}
	})
	video := publishing.MediaFile{Media: publishv1.Media{URL: "https://cdn.example/v.mp4", Kind: "video", AltText: "Le chef en cuisine"}, Type: "video/mp4",
		Data: bytes.Repeat([]byte("mp4!"), (9<<20)/4)}
	t.Run("video_in_segments_polled_until_processed", func(t *testing.T) {
		fake.mu.Lock()
		fake.polls = 1 // pending, in_progress, succeeded
		fake.mu.Unlock()
		id, err := x.UploadMedia(ctx, acct, video, "k-m1")
		if err != nil {
			t.Fatal(err)
		}
		fake.mu.Lock()
		m := fake.media[id]
		fake.mu.Unlock()
		if m.segments != 3 || m.state != "succeeded" || len(m.data) != len(video.Data) || m.category != "tweet_video" {
			t.Fatalf("media: %d segments, state %s, %d bytes", m.segments, m.state, len(m.data))
		}
	})
	t.Run("failed_processing_is_permanent_with_the_reason", func(t *testing.T) {
		fake.mu.Lock()
		fake.polls, fake.failProcessing = 0, true
		fake.mu.Unlock()
		_, err := x.UploadMedia(ctx, acct, video, "k-m2")
		if ne := asNetworkError(t, err); !ne.Permanent || ne.Code != "media_processing_failed" || !strings.Contains(ne.Reason, "UnsupportedMedia") {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("an_unprocessed_media_is_refused_by_the_post", func(t *testing.T) {
		_, err := x.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "Le menu", MediaRefs: []string{"1234"}})
		if ne := asNetworkError(t, err); !ne.Permanent || ne.Status != 400 || ne.Reason != "Your media IDs are invalid." {
			t.Fatalf("%+v", ne)
		}
	})
	t.Run("an_image_over_the_limit_is_refused_at_initialize", func(t *testing.T) {
		big := img
		big.Data = make([]byte, 5<<20+1)
		_, err := x.UploadMedia(ctx, acct, big, "k-m3")
		if ne := asNetworkError(t, err); !ne.Permanent || !strings.Contains(ne.Reason, "File size exceeds") {
			t.Fatalf("%+v", ne)
		}
	})
}

func TestMetaMedia(t *testing.T) {
	fake, m, acct := startGraph(t, map[string]url.Values{})
	ctx := context.Background()
	img := publishing.MediaFile{Media: publishv1.Media{URL: "https://cdn.example/menu.png", Kind: "image", AltText: "L'ardoise du menu"}, Type: "image/png", Data: pngBytes(t)}

	id, err := m.UploadMedia(ctx, acct, img, "k-m0")
	if err != nil {
		t.Fatal(err)
	}
	if ph := fake.objects[id]; ph.Get("published") != "false" || ph.Get("alt_text_custom") != "L'ardoise du menu" || ph.Get("size") != fmt.Sprint(len(img.Data)) {
		t.Fatalf("photo %v", ph)
	}
	post, err := m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "Le menu", MediaRefs: []string{id}})
	if err != nil || fake.objects[post.PlatformID].Get("attached_media[0]") != `{"media_fbid":"`+id+`"}` {
		t.Fatalf("post %+v: %v", post, err)
	}
	_, err = m.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "Le menu", MediaRefs: []string{"987_gone"}})
	if ne := asNetworkError(t, err); !ne.Permanent || ne.Code != "100" || !strings.Contains(ne.Reason, "attached_media") {
		t.Fatalf("unknown photo: %+v", ne)
	}
	big := img
	big.Type, big.Data = "image/jpeg", make([]byte, 4<<20+1)
	if ne := asNetworkError(t, func() error { _, err := m.UploadMedia(ctx, acct, big, "k-m1"); return err }()); !ne.Permanent || ne.Code != "100" || !strings.Contains(ne.Reason, "4 MB") {
		t.Fatalf("too large: %+v", ne)
	}
	video := publishing.MediaFile{Media: publishv1.Media{URL: "https://cdn.example/v.mp4", Kind: "video", AltText: "v"}, Type: "video/mp4", Data: []byte("x")}
	if ne := asNetworkError(t, func() error { _, err := m.UploadMedia(ctx, acct, video, "k-m2"); return err }()); !ne.Permanent || ne.Code != "unsupported" {
		t.Fatalf("video: %+v", ne)
	}
	fake.limited = true
	if ne := asNetworkError(t, func() error { _, err := m.UploadMedia(ctx, acct, img, "k-m3"); return err }()); ne.Permanent || ne.Code != "4" {
		t.Fatalf("rate limit: %+v", ne)
	}
}

func TestLinkedInMedia(t *testing.T) {
	fake := &linkedInFake{posts: map[string]map[string]any{}, comments: map[string]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	fake.base = srv.URL
	l := publishing.NewLinkedIn(srv.Client())
	acct := publishing.Account{ID: "li", Brand: "b", Network: "linkedin", Token: "li-token",
		Settings: map[string]string{publishing.SettingURL: srv.URL, publishing.SettingAuthor: "urn:li:organization:5515715"}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	img := publishing.MediaFile{Media: publishv1.Media{URL: "https://cdn.example/menu.png", Kind: "image", AltText: "L'ardoise du menu"}, Type: "image/png", Data: pngBytes(t)}

	t.Run("images_as_media_and_multiImage_with_alt_text", func(t *testing.T) {
		a, err := l.UploadMedia(ctx, acct, img, "k-m0")
		if err != nil {
			t.Fatal(err)
		}
		b, err := l.UploadMedia(ctx, acct, img, "k-m1")
		if err != nil {
			t.Fatal(err)
		}
		one, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "Le menu", Media: []publishv1.Media{img.Media}, MediaRefs: []string{a}})
		if err != nil {
			t.Fatal(err)
		}
		if m := fake.posts[one.PlatformID]["content"].(map[string]any)["media"].(map[string]any); m["id"] != a || m["altText"] != "L'ardoise du menu" {
			t.Fatalf("content %v", m)
		}
		two, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "Le menu", Media: []publishv1.Media{img.Media, img.Media}, MediaRefs: []string{a, b}})
		if err != nil {
			t.Fatal(err)
		}
		if ims := fake.posts[two.PlatformID]["content"].(map[string]any)["multiImage"].(map[string]any)["images"].([]any); len(ims) != 2 {
			t.Fatalf("multiImage %v", ims)
		}
		if !bytes.Equal(fake.assets[a].parts[0], img.Data) {
			t.Fatal("the image bytes did not arrive")
		}
	})
	t.Run("video_in_parts_finalized_and_waited_for", func(t *testing.T) {
		fake.videoPolls = 2
		video := publishing.MediaFile{Media: publishv1.Media{URL: "https://cdn.example/v.mp4", Kind: "video", AltText: "Le chef en cuisine"}, Type: "video/mp4",
			Data: bytes.Repeat([]byte("mp4!"), (9<<20)/4)}
		urn, err := l.UploadMedia(ctx, acct, video, "k-m2")
		if err != nil {
			t.Fatal(err)
		}
		if a := fake.assets[urn]; a.status != "AVAILABLE" || len(a.parts) != 3 || !bytes.Equal(bytes.Join(a.parts, nil), video.Data) {
			t.Fatalf("video %s: %d parts", a.status, len(a.parts))
		}
		r, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "En cuisine", Media: []publishv1.Media{video.Media}, MediaRefs: []string{urn}})
		if err != nil || fake.posts[r.PlatformID]["content"].(map[string]any)["media"].(map[string]any)["title"] != "Le chef en cuisine" {
			t.Fatalf("video post %+v: %v", r, err)
		}
		if _, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "x", MediaRefs: []string{urn, urn}}); asNetworkError(t, err).Code != "unsupported" {
			t.Fatalf("two videos: %v", err)
		}
	})
	t.Run("refusals_are_permanent_with_the_reason", func(t *testing.T) {
		webp := img
		webp.Data = []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")
		if ne := asNetworkError(t, func() error { _, err := l.UploadMedia(ctx, acct, webp, "k-m3"); return err }()); !ne.Permanent || !strings.Contains(ne.Reason, "Unsupported image type") {
			t.Fatalf("webp: %+v", ne)
		}
		_, err := l.Do(ctx, acct, publishing.Action{Kind: publishv1.KindPost, Text: "x", MediaRefs: []string{"urn:li:image:unknown"}})
		if ne := asNetworkError(t, err); !ne.Permanent || ne.Status != 422 || !strings.Contains(ne.Reason, "AVAILABLE") {
			t.Fatalf("unknown image: %+v", ne)
		}
		fake.push(429)
		if ne := asNetworkError(t, func() error { _, err := l.UploadMedia(ctx, acct, img, "k-m4"); return err }()); ne.Permanent || ne.Status != 429 {
			t.Fatalf("429: %+v", ne)
		}
	})
}

func TestBlueskyMentionFacets(t *testing.T) {
	fake := &pdsFake{records: map[string]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	b := publishing.NewBluesky(srv.Client())
	acct := publishing.Account{ID: "bsky", Brand: "b", Network: "bluesky", Handle: "cafe.bsky.social", Token: "app-pass", Settings: map[string]string{publishing.SettingURL: srv.URL}}
	text := "Merci @paul.bsky.social ! (@Cafe.example) écrit à contact@cafe.example, @inconnu.bsky.social et https://cafe.example/menu"
	r, err := b.Do(context.Background(), acct, publishing.Action{Kind: publishv1.KindPost, Key: "ruche-mention", Text: text, Attempt: 1,
		FirstSentAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	var got []string
	for _, f := range fake.records[r.PlatformID]["facets"].([]any) {
		fm := f.(map[string]any)
		idx := fm["index"].(map[string]any)
		feat := fm["features"].([]any)[0].(map[string]any)
		target := feat["uri"]
		if target == nil {
			target = feat["did"]
		}
		got = append(got, fmt.Sprintf("%s %q %v", feat["$type"], text[int(idx["byteStart"].(float64)):int(idx["byteEnd"].(float64))], target))
	}
	want := []string{
		`app.bsky.richtext.facet#link "https://cafe.example/menu" https://cafe.example/menu`,
		`app.bsky.richtext.facet#mention "@paul.bsky.social" did:plc:paul`,
		`app.bsky.richtext.facet#mention "@Cafe.example" did:plc:cafe`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("facets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	fake.limited = true
	fake.mu.Unlock()
	_, err = b.Do(context.Background(), acct, publishing.Action{Kind: publishv1.KindPost, Key: "ruche-mention-2", Text: "Merci @paul.bsky.social", Attempt: 1,
		FirstSentAt: time.Date(2026, 11, 20, 10, 0, 1, 0, time.UTC)})
	fake.mu.Lock()
	if ne := asNetworkError(t, err); ne.Permanent || ne.Status != 429 {
		t.Fatalf("a rate-limited resolution is retried, not dropped: %+v", ne)
	}
}
