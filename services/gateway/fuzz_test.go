package gateway_test

import (
	"net/http/httptest"
	"testing"
)

// FuzzAuthHeaders sends arbitrary credentials: whatever they hold, the
// answer is a refusal (never a success, never a crash or a 500).
func FuzzAuthHeaders(f *testing.F) {
	for _, seed := range [][3]string{
		{"Bearer ruk.0123456789abcdef.0123456789abcdef.secret", "", ""},
		{"Bearer " + ownerKeyA[:len(ownerKeyA)-1], "", ""},
		{"", "ruk...", "ruche_session=a.b"},
		{"Basic Zm9vOmJhcg==", "", "ruche_session=0123456789abcdef.x; ruche_csrf=y"},
		{"bearer   ", "ruk.u.k.s.extra", "ruche_session=" + "%00%ff"},
		{"", "", "ruche_session=../../u.x"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	g := newTestGateway(f)
	f.Fuzz(func(t *testing.T, authorization, apiKey, cookie string) {
		req := httptest.NewRequest("GET", "/api/v1/users?brand=a", nil)
		req.Header.Set("Authorization", authorization)
		req.Header.Set("X-Api-Key", apiKey)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		g.gw.Handler().ServeHTTP(rec, req)
		if rec.Code != 401 {
			t.Fatalf("Authorization %q, X-Api-Key %q, Cookie %q = %d %s", authorization, apiKey, cookie, rec.Code, rec.Body)
		}
	})
}
