package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestBestTimesAPI(t *testing.T) {
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.BestTimesSubject: canned(query.BestTimesToPost{Brand: "demo", Measure: query.MeasurePerPost,
			Slots: []query.PostingSlot{{Weekday: 2, Hour: 18, Posts: 3, Interactions: 15, Score: 5}}}),
	})
	t.Run("forwards_the_zone_and_period", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/best-times?brand=demo&tz=Europe/Paris&network=mastodon&days=30&limit=3&as_of=2026-11-23", "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"measure":"engagement_per_post"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var req query.BestTimesRequest
		si.last(t, query.BestTimesSubject, &req)
		if req.Brand != "demo" || req.TZ != "Europe/Paris" || req.Network != "mastodon" || req.Days != 30 || req.Limit != 3 ||
			!req.AsOf.Equal(time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC)) {
			t.Fatalf("request %+v", req)
		}
	})
	for _, tc := range []struct{ name, path, field string }{
		{"tz_required", "/api/v1/best-times?brand=demo", "tz"},
		{"tz_not_iana", "/api/v1/best-times?brand=demo&tz=Paris", "tz"},
		{"days_out_of_range", "/api/v1/best-times?brand=demo&tz=UTC&days=1000", "days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := do(t, gw, "GET", tc.path, ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), tc.field) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("other_brand_is_403", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/best-times?brand=cafe&tz=UTC", ""); rec.Code != 403 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}
