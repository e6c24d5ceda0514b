// Package netguard builds HTTP clients for outbound fetches to addresses
// that users configure (a Mastodon server, an RSS feed): they refuse to
// connect to loopback, private, link-local and other internal addresses, so
// that a source cannot be used to probe the cluster (SSRF). The check runs on
// the address actually dialled, after DNS resolution and on every redirect.
package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a fetch would reach an internal address.
var ErrForbiddenAddress = errors.New("address not allowed for outbound fetches")

// Allowed reports whether ip may be reached by outbound fetches.
func Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() &&
		!ip.IsLinkLocalMulticast() && !ip.IsMulticast() && !ip.IsUnspecified() && !ip.IsInterfaceLocalMulticast() &&
		!cgnat.Contains(ip)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Client returns an HTTP client with timeout; unless allowInternal (local
// development, tests), it refuses internal addresses.
func Client(timeout time.Duration, allowInternal bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowInternal {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
			}
			if !Allowed(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
			}
			return nil
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.Proxy = nil
	return &http.Client{Timeout: timeout, Transport: tr}
}
