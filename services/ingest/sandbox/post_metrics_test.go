package sandbox_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

func TestPostMetrics(t *testing.T) {
	a, b := newSandbox(t, nil), newSandbox(t, nil)
	publish := func(s *sandboxServer, text string) string {
		t.Helper()
		resp, body := s.do(t, "POST", "/api/v1/posts", `{"text":"`+text+`","lang":"fr"}`)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("publish: %d %s", resp.StatusCode, body)
		}
		return decode[sandbox.Item](t, body).ID
	}
	metrics := func(s *sandboxServer, ids string) []sandbox.PostCounts {
		t.Helper()
		resp, body := s.do(t, "GET", "/api/v1/metrics?ids="+ids, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("metrics: %d %s", resp.StatusCode, body)
		}
		return decode[struct {
			Metrics []sandbox.PostCounts `json:"metrics"`
		}](t, body).Metrics
	}
	withLink, plain := publish(a, "Le menu d'hiver : https://cafe.example/menu"), publish(a, "Bonne semaine !")
	if publish(b, "Le menu d'hiver : https://cafe.example/menu") != withLink || publish(b, "Bonne semaine !") != plain {
		t.Fatal("the same network made a different id")
	}
	if m := metrics(a, withLink+","+plain); len(m) != 2 || m[0].Impressions != 0 {
		t.Fatalf("at publication: %+v", m)
	}
	var prev []sandbox.PostCounts
	for _, step := range []time.Duration{10 * time.Minute, time.Hour, 6 * time.Hour, 48 * time.Hour} {
		a.clk.Advance(step)
		b.clk.Advance(step)
		got := metrics(a, withLink+","+plain+",999999")
		if len(got) != 2 {
			t.Fatalf("%d readings, want 2 (an unknown id is left out)", len(got))
		}
		if again := metrics(b, withLink+","+plain); again[0] != got[0] || again[1] != got[1] {
			t.Fatalf("the same seed and age gave %+v then %+v", got, again)
		}
		if got[0].Clicks == 0 || got[1].Clicks != 0 {
			t.Fatalf("clicks only on the post with a link: %+v", got)
		}
		for i, m := range got {
			if m.Impressions <= 0 || m.Likes > m.Impressions || m.Comments > m.Likes {
				t.Fatalf("implausible %+v", m)
			}
			if prev != nil && (m.Impressions < prev[i].Impressions || m.Likes < prev[i].Likes || m.Shares < prev[i].Shares || m.Clicks < prev[i].Clicks) {
				t.Fatalf("counts went down: %+v then %+v", prev[i], m)
			}
		}
		prev = got
	}
	if prev[0].Impressions == prev[1].Impressions {
		t.Fatal("two posts reached exactly the same audience")
	}
	if resp, _ := a.do(t, "GET", "/api/v1/metrics?ids=", ""); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("no ids: %d", resp.StatusCode)
	}

	followers := func() int64 {
		_, body := a.do(t, "GET", "/api/v1/accounts/demo", "")
		return decode[sandbox.User](t, body).FollowersCount
	}
	before := followers()
	a.clk.Advance(24 * time.Hour)
	if after := followers(); after-before < 48 || after-before > 144 {
		t.Fatalf("followers %d → %d in a day, want 2 to 6 an hour", before, after)
	}
}
