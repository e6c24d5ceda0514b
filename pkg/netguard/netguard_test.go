package netguard_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/netguard"
)

func TestAllowed(t *testing.T) {
	cases := map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "192.168.0.10": false, "172.16.5.4": false, "169.254.169.254": false,
		"100.64.1.1": false, "::1": false, "fe80::1": false, "fd00::1": false, "0.0.0.0": false, "::ffff:127.0.0.1": false,
		"8.8.8.8": true, "2a00:1450:4007:80f::200e": true, "151.101.1.140": true,
	}
	for ip, want := range cases {
		t.Run(ip, func(t *testing.T) {
			if got := netguard.Allowed(netip.MustParseAddr(ip)); got != want {
				t.Fatalf("Allowed(%s) = %v, want %v", ip, got, want)
			}
		})
	}
}

func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	t.Run("refuses_loopback", func(t *testing.T) {
		_, err := netguard.Client(time.Second, false).Get(srv.URL)
		if !errors.Is(err, netguard.ErrForbiddenAddress) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("allows_loopback_when_told", func(t *testing.T) {
		resp, err := netguard.Client(time.Second, true).Get(srv.URL)
		if err != nil || resp.StatusCode != 204 {
			t.Fatalf("resp %v err %v", resp, err)
		}
		resp.Body.Close()
	})
}
