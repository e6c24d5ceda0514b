package youtube_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/youtube"
)

// editComment rewrites a comment as the API gives it once edited: the new
// text, updatedAt later than publishedAt.
func (f *fakeYouTube) editComment(thread string, reply int, author, text string, published, updated time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	th := f.threads[thread]
	id, parent := thread, ""
	if reply >= 0 {
		id, parent = fmt.Sprintf("%s.r%d", thread, reply), thread
	}
	c := ytComment(id, parent, author, published, text)
	c = strings.Replace(c, fmt.Sprintf(`"updatedAt":%q`, published.Format(time.RFC3339)), fmt.Sprintf(`"updatedAt":%q`, updated.Format(time.RFC3339)), 1)
	if reply >= 0 {
		th.replies[reply] = c
	} else {
		th.top = c
	}
}

// TestYouTubeEditsAndDeletions: YouTube notifies neither, but every poll
// reads the newest threads again: a comment or reply whose updatedAt is
// after the last read is an edit; a followed thread missing from two reads
// of the page it belongs on was deleted (or held for review).
func TestYouTubeEditsAndDeletions(t *testing.T) {
	f, srv := newFakeYouTube(t)
	y := newYouTube(srv)
	clk := testkit.NewClock(youtubeBase.Add(time.Hour))
	youtube.SetNow(y, clk.Now)
	src := youtubeSource()
	ctx := context.Background()
	f.thread("A", 1, "lea", "Vous livrez à Lyon ?")
	f.reply("A", 2, "marc", "Moi aussi je veux savoir")
	f.thread("B", 3, "sam", "Super vidéo")
	f.thread("C", 4, "zoe", "Et le prix ?")
	poll := func(cursor string) connector.Page {
		t.Helper()
		clk.Advance(5 * time.Minute)
		p, err := y.Poll(ctx, src, cursor)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	page := poll("")
	if len(page.Items) != 4 || len(page.Updates) != 0 || len(page.Deletions) != 0 {
		t.Fatalf("first poll: items %+v updates %+v deletions %+v", page.Items, page.Updates, page.Deletions)
	}
	t.Run("an_edited_comment_or_reply_is_an_edit", func(t *testing.T) {
		f.editComment("A", -1, "lea", "Vous livrez à Lyon ? Et à Villeurbanne ?", youtubeBase.Add(time.Minute), clk.Now().Add(time.Minute))
		f.editComment("A", 0, "marc", "Moi aussi, merci", youtubeBase.Add(2*time.Minute), clk.Now().Add(2*time.Minute))
		page = poll(page.Cursor)
		if len(page.Updates) != 2 || len(page.Items) != 0 || len(page.Deletions) != 0 {
			t.Fatalf("items %+v updates %+v deletions %+v", page.Items, page.Updates, page.Deletions)
		}
		byID := map[string]v1.Updated{}
		for _, u := range page.Updates {
			if u.Validate() != nil || u.Source != v1.SourcePoll || u.Brand != "demo" {
				t.Fatalf("update %+v", u)
			}
			byID[u.InteractionID] = u
		}
		if u := byID["youtube:A"]; u.Text != "Vous livrez à Lyon ? Et à Villeurbanne ?" || !u.EditedAt.Equal(clk.Now().Add(-4*time.Minute).Truncate(time.Second)) {
			t.Fatalf("comment edit %+v", u)
		}
		if u := byID["youtube:A.r0"]; u.Text != "Moi aussi, merci" {
			t.Fatalf("reply edit %+v", u)
		}
	})
	t.Run("an_edit_is_told_once", func(t *testing.T) {
		if page = poll(page.Cursor); len(page.Updates) != 0 {
			t.Fatalf("updates %+v", page.Updates)
		}
	})
	t.Run("a_thread_missing_from_two_reads_is_deleted", func(t *testing.T) {
		f.set(func(f *fakeYouTube) { delete(f.threads, "B") })
		if page = poll(page.Cursor); len(page.Deletions) != 0 {
			t.Fatalf("deleted at the first miss: %+v", page.Deletions)
		}
		page = poll(page.Cursor)
		if len(page.Deletions) != 1 {
			t.Fatalf("deletions %+v", page.Deletions)
		}
		if d := page.Deletions[0]; d.InteractionID != "youtube:B" || d.Validate() != nil || d.Source != v1.SourcePoll {
			t.Fatalf("deletion %+v", d)
		}
		if page = poll(page.Cursor); len(page.Deletions) != 0 {
			t.Fatalf("told twice: %+v", page.Deletions)
		}
	})
	t.Run("a_thread_back_before_the_second_read_is_not_deleted", func(t *testing.T) {
		var kept *fakeThread
		f.set(func(f *fakeYouTube) { kept = f.threads["C"]; delete(f.threads, "C") })
		page = poll(page.Cursor)
		f.set(func(f *fakeYouTube) { f.threads["C"] = kept })
		for range 2 {
			if page = poll(page.Cursor); len(page.Deletions) != 0 {
				t.Fatalf("deletions %+v", page.Deletions)
			}
		}
	})
	t.Run("threads_past_the_newest_page_are_not_judged", func(t *testing.T) {
		for i := range 120 {
			f.thread(fmt.Sprintf("N%03d", i), 100+i, "fan", fmt.Sprintf("commentaire %d", i))
		}
		for {
			page = poll(page.Cursor)
			if len(page.Deletions) != 0 {
				t.Fatalf("deletions %+v", page.Deletions)
			}
			if !page.More {
				break
			}
		}
		for range 2 { // A and C are on the second page now
			if page = poll(page.Cursor); len(page.Deletions) != 0 {
				t.Fatalf("deletions %+v", page.Deletions)
			}
		}
	})
}
