package inbox

import (
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

func TestParseList(t *testing.T) {
	valid := cursor{ReceivedMS: 1_795_000_000_123, ID: "mastodon:1"}.encode()
	cases := []struct {
		name    string
		in      query.ListInteractionsRequest
		want    listParams
		wantErr string
	}{
		{name: "default_limit", in: query.ListInteractionsRequest{Brand: "cafe-lumiere"}, want: listParams{brand: "cafe-lumiere", limit: 50}},
		{name: "max_limit", in: query.ListInteractionsRequest{Brand: "b", Limit: query.MaxListLimit}, want: listParams{brand: "b", limit: 500}},
		{name: "with_cursor", in: query.ListInteractionsRequest{Brand: "b", Limit: 5, Cursor: valid},
			want: listParams{brand: "b", limit: 5, after: &cursor{ReceivedMS: 1_795_000_000_123, ID: "mastodon:1"}}},
		{name: "missing_brand", in: query.ListInteractionsRequest{}, wantErr: "brand"},
		{name: "brand_with_wildcard", in: query.ListInteractionsRequest{Brand: "*"}, wantErr: "brand"},
		{name: "brand_with_quote", in: query.ListInteractionsRequest{Brand: "a' OR 1=1 --"}, wantErr: "brand"},
		{name: "negative_limit", in: query.ListInteractionsRequest{Brand: "b", Limit: -1}, wantErr: "limit must be from 1 to 500"},
		{name: "limit_over_max", in: query.ListInteractionsRequest{Brand: "b", Limit: 501}, wantErr: "limit must be from 1 to 500"},
		{name: "cursor_not_base64", in: query.ListInteractionsRequest{Brand: "b", Cursor: "%%%"}, wantErr: "cursor"},
		{name: "cursor_not_json", in: query.ListInteractionsRequest{Brand: "b", Cursor: "bm9wZQ"}, wantErr: "cursor"},
		{name: "cursor_without_id", in: query.ListInteractionsRequest{Brand: "b", Cursor: cursor{ReceivedMS: 5}.encode()}, wantErr: "cursor"},
		{name: "cursor_too_long", in: query.ListInteractionsRequest{Brand: "b", Cursor: strings.Repeat("A", 2000)}, wantErr: "cursor"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseList(tc.in)
			if tc.wantErr != "" {
				if _, ok := err.(readmodel.BadRequest); !ok || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %#v, want a badRequest mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.brand != tc.want.brand || got.limit != tc.want.limit || (got.after == nil) != (tc.want.after == nil) ||
				(got.after != nil && *got.after != *tc.want.after) {
				t.Fatalf("got %+v (after %v), want %+v", got, got.after, tc.want)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 30, 1, 500_000_000, time.UTC)
	c := cursorAfter(query.Interaction{ID: "mastodon:42", ReceivedAt: at})
	got, err := decodeCursor(c.encode())
	if err != nil {
		t.Fatal(err)
	}
	if got != c || got.seconds() != at.Unix() || got.millis() != 500 {
		t.Fatalf("got %+v (%d s, %d ms), want %+v", got, got.seconds(), got.millis(), c)
	}
	if !readmodel.ReceivedAt(time.Unix(got.seconds(), 0), got.millis()).Equal(at) {
		t.Fatal("receivedAt does not rebuild the time")
	}
}
