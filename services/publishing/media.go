package publishing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// Media of a post are fetched by publishing from the URL the request names
// and uploaded to the network before the post is sent. Where publishing
// fetches from is decided here, not by the request:
//
//   - only from the origins of publishing.media_origins (the brand's CDN,
//     the platform's media store: "https://media.ruche.example"); no
//     configured origin means no media is fetched, and a post with media
//     fails permanently, saying so;
//   - never from a loopback, private, link-local, shared (100.64/10),
//     multicast or unspecified address, checked on the address actually
//     dialled (a name that resolves, or is rebound, to one is refused),
//     unless publishing.media_allow_local is set (a local stack);
//   - redirects only to an allowed origin, at most 3;
//   - at most publishing.media_max_bytes, read with a limit; within
//     publishing.request_timeout;
//   - the type the server declares must agree with the bytes (sniffed) and
//     with the media's kind (image: JPEG, PNG, WebP; gif: GIF; video: MP4,
//     WebM, QuickTime) and, when the request names one, its mime_type.
type mediaFetcher struct {
	client   *http.Client
	origins  []string
	maxBytes int64
}

// mediaTypes are the types each kind accepts.
var mediaTypes = map[string][]string{
	"image": {"image/jpeg", "image/png", "image/webp"},
	"gif":   {"image/gif"},
	"video": {"video/mp4", "video/webm", "video/quicktime"},
}

// MediaFile is a fetched media, ready to upload.
type MediaFile struct {
	publishv1.Media
	// Type is the media type checked on the bytes ("image/png").
	Type string
	Data []byte
}

// MediaUploader is a Network that takes media: UploadMedia uploads one
// file and returns the network's reference to it (Mastodon's media id,
// Bluesky's blob), which Action.MediaRefs hands back to Do. A network
// without it refuses posts with media.
type MediaUploader interface {
	UploadMedia(ctx context.Context, acct Account, f MediaFile, key string) (ref string, err error)
}

// CodeMedia is the failure code of a media publishing will not fetch or a
// network will not take.
const CodeMedia = "media_refused"

func mediaRefused(format string, args ...any) *NetworkError {
	return &NetworkError{Code: CodeMedia, Reason: fmt.Sprintf(format, args...), Permanent: true}
}

// errPrivateAddress is returned by the dialler for an address media are
// never fetched from.
var errPrivateAddress = errors.New("address is loopback, private, link-local or otherwise not public")

var sharedAddressSpace = net.IPNet{IP: net.IPv4(100, 64, 0, 0), Mask: net.CIDRMask(10, 32)}

func publicIP(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || sharedAddressSpace.Contains(ip))
}

func newMediaFetcher(cfg Config) *mediaFetcher {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	if !cfg.MediaAllowLocal {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !publicIP(ip) {
				return fmt.Errorf("media fetch to %s: %w", host, errPrivateAddress)
			}
			return nil
		}
	}
	f := &mediaFetcher{origins: cfg.MediaOrigins, maxBytes: cfg.MediaMaxBytes}
	f.client = &http.Client{
		// No proxy from the environment: the address checked is the one
		// dialled.
		Transport: &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 10 * time.Second,
			ResponseHeaderTimeout: cfg.RequestTimeout, MaxIdleConnsPerHost: 2},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return mediaRefused("more than 3 redirects")
			}
			if !f.allowed(req.URL) {
				return mediaRefused("redirected to %s, not a media origin", origin(req.URL))
			}
			return nil
		},
	}
	return f
}

func origin(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

func (f *mediaFetcher) allowed(u *url.URL) bool {
	return (u.Scheme == "https" || u.Scheme == "http") && u.User == nil && slices.Contains(f.origins, origin(u))
}

// fetch reads m within ctx's deadline; its errors are *NetworkError:
// permanent for what fetching again would not change.
func (f *mediaFetcher) fetch(ctx context.Context, m publishv1.Media) (MediaFile, error) {
	u, err := url.Parse(m.URL)
	if err != nil {
		return MediaFile{}, mediaRefused("media url %q: %v", m.URL, err)
	}
	if !f.allowed(u) {
		return MediaFile{}, mediaRefused("media %s is not on a media origin publishing fetches from (publishing.media_origins: %v)", origin(u), f.origins)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return MediaFile{}, mediaRefused("media url %q: %v", m.URL, err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		var ne *NetworkError
		switch {
		case errors.As(err, &ne):
			return MediaFile{}, ne
		case errors.Is(err, errPrivateAddress):
			return MediaFile{}, mediaRefused("media %s: %v", origin(u), errPrivateAddress)
		}
		return MediaFile{}, &NetworkError{Code: "media_unavailable", Reason: "fetch media " + origin(u) + u.Path + ": " + err.Error()}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return MediaFile{}, &NetworkError{Status: resp.StatusCode, Code: "media_unavailable", Reason: "fetch media " + u.Path + ": " + resp.Status}
	case resp.StatusCode != http.StatusOK:
		return MediaFile{}, mediaRefused("fetch media %s: %s", u.Path, resp.Status)
	case resp.ContentLength > f.maxBytes:
		return MediaFile{}, mediaRefused("media %s is %d bytes, more than %d", u.Path, resp.ContentLength, f.maxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return MediaFile{}, &NetworkError{Code: "media_unavailable", Reason: "read media " + u.Path + ": " + err.Error()}
	}
	if int64(len(data)) > f.maxBytes {
		return MediaFile{}, mediaRefused("media %s is more than %d bytes", u.Path, f.maxBytes)
	}
	typ, err := mediaType(m, resp.Header.Get("Content-Type"), data)
	if err != nil {
		return MediaFile{}, err
	}
	return MediaFile{Media: m, Type: typ, Data: data}, nil
}

// mediaType is the media's type: the one declared, confirmed by the bytes,
// among its kind's.
func mediaType(m publishv1.Media, declared string, data []byte) (string, error) {
	declared, _, _ = mime.ParseMediaType(declared)
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(data))
	typ := sniffed
	if sniffed == "application/octet-stream" && strings.HasPrefix(declared, "video/") {
		typ = declared // not every container is sniffed (QuickTime)
	}
	switch {
	case declared != "" && declared != typ:
		return "", mediaRefused("media %s is declared %s but its bytes are %s", m.URL, declared, sniffed)
	case !slices.Contains(mediaTypes[m.Kind], typ):
		return "", mediaRefused("media %s is %s, not one of the %s types %v", m.URL, typ, m.Kind, mediaTypes[m.Kind])
	case m.MimeType != "" && m.MimeType != typ:
		return "", mediaRefused("media %s is %s, the request says %s", m.URL, typ, m.MimeType)
	}
	return typ, nil
}

// uploadMedia uploads the entry's media not uploaded yet, recording each
// network reference in the ledger as soon as it is made: a retry after a
// crash uploads only what has no reference. The entry is in its intent
// (sending); each recorded upload renews it.
func (s *Service) uploadMedia(ctx context.Context, key string, e *Entry, rev uint64, network Network, acct Account) (uint64, *NetworkError, error) {
	up := network.(MediaUploader) // step checked it
	if len(e.MediaRefs) != len(e.Media) {
		e.MediaRefs = make([]string, len(e.Media))
	}
	for i, m := range e.Media {
		if e.MediaRefs[i] != "" {
			continue
		}
		fctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		f, err := s.media.fetch(fctx, m)
		cancel()
		if err != nil {
			return rev, asNetworkError(err), nil
		}
		uctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		ref, err := up.UploadMedia(uctx, acct, f, fmt.Sprintf("%s-m%d", e.Key, i))
		cancel()
		s.recordHealth(ctx, acct, err)
		if err != nil {
			return rev, asNetworkError(err), nil
		}
		now := s.now().UTC()
		e.MediaRefs[i], e.UpdatedAt, e.SendingSince, e.NextAttemptAt = ref, now, now, now.Add(s.cfg.staleAfter())
		if rev, err = s.ledger.Update(ctx, key, e, rev); err != nil {
			return rev, nil, err
		}
	}
	return rev, nil, nil
}
