package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// TestPlanningThroughTheAPI runs `ruche up`: a queue's slots, an approved
// post added to the queue, a CSV import (refused while a row is wrong,
// then created once), the brand's iCalendar feed read without a key until
// its token is revoked, and the best times to post.
func TestPlanningThroughTheAPI(t *testing.T) {
	p := startPlatformOn(t, testkit.ClickHouse(t))
	var q query.Queue
	code, b := p.api(t, "PUT", "/slots?brand=demo&network=sandbox", `{"zone":"Europe/Paris","slots":[`+
		`{"weekday":1,"time":"09:00"},{"weekday":2,"time":"09:00"},{"weekday":3,"time":"09:00"},{"weekday":4,"time":"09:00"},`+
		`{"weekday":5,"time":"09:00"},{"weekday":6,"time":"11:00"},{"weekday":7,"time":"11:00"}],"evergreen_gap_days":30}`)
	if code != 200 || json.Unmarshal(b, &q) != nil || len(q.Upcoming) == 0 {
		t.Fatalf("PUT /slots = %d %s", code, b)
	}

	var post query.Post
	step := func(method, path, body string, want int) {
		t.Helper()
		code, b := p.api(t, method, path, body)
		if code != want || json.Unmarshal(b, &post) != nil {
			t.Fatalf("%s %s = %d %s", method, path, code, b)
		}
	}
	step("POST", "/posts?brand=demo", `{"variants":[{"network":"sandbox","text":"Le menu d'hiver, dans la file","lang":"fr"}]}`, 201)
	step("POST", "/posts/"+post.ID+"/submit?brand=demo", `{"revision":`+strconv.Itoa(post.Revision)+`}`, 200)
	step("POST", "/posts/"+post.ID+"/approve?brand=demo", `{"revision":`+strconv.Itoa(post.Revision)+`}`, 200)
	step("POST", "/queue?brand=demo", `{"post_id":"`+post.ID+`","revision":`+strconv.Itoa(post.Revision)+`}`, 200)
	if post.State != "scheduled" || post.Time == nil || !post.Time.At.Equal(q.Upcoming[0].At) {
		t.Fatalf("queued post %+v, want scheduled at %s", post, q.Upcoming[0].At)
	}

	paris, _ := time.LoadLocation("Europe/Paris")
	day := time.Now().In(paris).AddDate(0, 0, 10).Format("02/01/2006")
	csv := func(extra string) string {
		return "\ufeffDate;Heure;Réseau;Texte;Intemporel\r\n" + day + ";14h30;sandbox;\"Importé ; depuis Excel\";oui\r\n" + extra
	}
	upload := func(body, params string) (int, query.ImportPostsResult) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+p.gateway+"/api/v1/posts/import?brand=demo"+params, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Content-Type", "text/csv; charset=utf-8")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res query.ImportPostsResult
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("import answer %d %s", resp.StatusCode, b)
		}
		return resp.StatusCode, res
	}
	if code, res := upload(csv("31/02/2027;10:00;sandbox;Jamais;\r\n"), ""); code != 422 || len(res.Problems) != 1 || res.Problems[0].Row != 3 || len(res.Created) != 0 {
		t.Fatalf("import with a bad row = %d %+v", code, res)
	}
	if code, res := upload(csv(""), "&dry_run=true"); code != 200 || len(res.Rows) != 1 || len(res.Created) != 0 {
		t.Fatalf("dry run = %d %+v", code, res)
	}
	code, res := upload(csv(""), "")
	if code != 201 || len(res.Created) != 1 {
		t.Fatalf("import = %d %+v", code, res)
	}
	if code, again := upload(csv(""), ""); code != 200 || len(again.Created) != 0 || len(again.Existing) != 1 {
		t.Fatalf("the same file again = %d %+v", code, again)
	}

	var tok query.FeedToken
	if code, b := p.api(t, "POST", "/calendar/feed-token?brand=demo", ""); code != 201 || json.Unmarshal(b, &tok) != nil || tok.Token == "" {
		t.Fatalf("feed token = %d %s", code, b)
	}
	feed := func() (int, string) {
		resp, err := http.Get("http://" + p.gateway + tok.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, cal := feed()
	unfolded := strings.ReplaceAll(cal, "\r\n ", "")
	if code != 200 || !strings.Contains(unfolded, "UID:"+post.ID+".demo@ruche\r\n") || !strings.Contains(unfolded, "UID:"+res.Created[0]+".demo@ruche\r\n") ||
		!strings.Contains(unfolded, `Importé \; depuis Excel`) {
		t.Fatalf("feed = %d\n%s", code, cal)
	}
	if code, b := p.api(t, "DELETE", "/calendar/feed-token?brand=demo", ""); code != 204 {
		t.Fatalf("revoke = %d %s", code, b)
	}
	if code, _ := feed(); code != 404 {
		t.Fatalf("feed after revoke = %d, want 404", code)
	}

	var bt query.BestTimesToPost
	if code, b := p.api(t, "GET", "/best-times?brand=demo&tz=Europe/Paris", ""); code != 200 || json.Unmarshal(b, &bt) != nil || bt.Measure == "" || bt.Definition == "" {
		t.Fatalf("best times = %d %s", code, b)
	}
}
