package scheduling_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/scheduling"
)

const brand = "cafe"

// approvals stands in for publishing's approval records: immutable.
type approvals struct {
	mu   sync.Mutex
	byID map[string]publishv1.Approval
}

func (a *approvals) RecordApproval(_ context.Context, ap publishv1.Approval) error {
	if err := ap.Validate(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.byID[ap.ID]; ok && !slices.Equal(old.ContentHashes, ap.ContentHashes) {
		return rpc.Conflict("approval %s exists with other content", ap.ID)
	}
	a.byID[ap.ID] = ap
	return nil
}

func (a *approvals) get(id string) (publishv1.Approval, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ap, ok := a.byID[id]
	return ap, ok
}

// harness is scheduling on a real embedded JetStream (message schedules
// included), with a recorder of the publish requests and transitions.
type harness struct {
	cfg       bus.Config
	conn      *bus.Conn
	svc       *scheduling.Service
	client    *rpc.Client
	approvals *approvals
	stop      func()

	mu          sync.Mutex
	requests    []publishv1.Requested
	transitions []postv1.Transitioned
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{cfg: testkit.NATSConfig(t), approvals: &approvals{byID: map[string]publishv1.Approval{}}}
	h.cfg.AckWait = 10 * time.Second
	h.conn = testkit.NATSWith(t, h.cfg)
	h.start(t)
	t.Cleanup(func() { h.stop() })
	return h
}

// start runs the router (with the recorders) and the service.
func (h *harness) start(t testing.TB) {
	t.Helper()
	router, svc := h.newService(t)
	h.svc = svc
	record(t, h, router, "test-requests", &h.requests)
	record(t, h, router, "test-transitions", &h.transitions)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = router.Run(ctx) })
	wg.Go(func() { _ = svc.Run(ctx) })
	h.stop = func() { cancel(); wg.Wait() }
	<-router.Running()
	var err error
	if h.client, err = rpc.NewClient(h.conn.NC); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "scheduling's endpoints", func() bool {
		_, err := rpc.Ask(context.Background(), h.client, query.GetApprovalPolicy, query.BrandRef{Brand: brand})
		return err == nil
	})
}

// newService is a scheduling service and its router on the harness's bus
// (the recycler's timer fires every second), neither running yet.
func (h *harness) newService(t testing.TB) (*bus.Router, *scheduling.Service) {
	t.Helper()
	router, err := bus.NewRouter(h.conn, testkit.Logger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := scheduling.New(scheduling.Config{Consumer: "scheduling", LateAfter: time.Second, Horizon: 3 * 366 * 24 * time.Hour, DefaultZone: "Europe/Paris", RecycleEvery: time.Second},
		scheduling.Deps{Router: router, Logger: testkit.Logger(t), NATS: h.conn.NC, JS: h.conn.JS, Replicas: 1, Approvals: h.approvals})
	if err != nil {
		t.Fatal(err)
	}
	return router, svc
}

// published stores a post as publishing leaves it: published at at, with
// labels.
func (h *harness) published(t testing.TB, id string, at time.Time, labels ...string) {
	t.Helper()
	ctx := context.Background()
	kv, err := h.conn.JS.KeyValue(ctx, scheduling.PostsBucket)
	if err != nil {
		t.Fatal(err)
	}
	c := content("toujours d'actualité " + id)
	c.Labels = labels
	p := query.Post{ID: id, Brand: brand, Owner: "lea", State: postv1.StatePublished, Revision: 5, PostContent: c,
		ContentHash: scheduling.ContentHash(c), Time: &query.PostTime{Wall: at.Format("2006-01-02T15:04"), Zone: "UTC", At: at},
		CreatedAt: at, UpdatedAt: at}
	b, _ := json.Marshal(p)
	if _, err := kv.Put(ctx, brand+"."+id, b); err != nil {
		t.Fatal(err)
	}
}

// restart stops the service and NATS, waits, then starts both again on the
// same data directory.
func (h *harness) restart(t testing.TB, down time.Duration) {
	t.Helper()
	h.stop()
	h.conn.Close()
	time.Sleep(down)
	h.conn = testkit.NATSWith(t, h.cfg)
	h.start(t)
}

func record[E events.Event](t testing.TB, h *harness, router *bus.Router, consumer string, into *[]E) {
	t.Helper()
	err := bus.Handle(router, consumer, func(_ context.Context, e E, _ events.Envelope) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		*into = append(*into, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (h *harness) requestsCopy() []publishv1.Requested {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.requests)
}

// stored counts the publish requests the stream holds (JetStream keeps one
// per id within its window; a doubled release would show here).
func (h *harness) stored(t testing.TB) int {
	t.Helper()
	s, err := h.conn.JS.Stream(context.Background(), events.StreamName(events.DomainPublish))
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter("ruche.publish.requested.v1.>"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func content(text string) query.PostContent {
	return query.PostContent{Variants: []query.PostVariant{{Network: "sandbox", Text: text, Lang: "fr"}}, Campaign: "hiver", Labels: []string{"menu"}}
}

// approved creates a post and takes it through review with the default
// policy (its author, a manager, approves).
func (h *harness) approved(t testing.TB, text string) query.Post {
	t.Helper()
	ctx := context.Background()
	p, err := h.svc.Create(ctx, query.CreatePostRequest{Brand: brand, By: "lea", PostContent: content(text)})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = h.svc.Submit(ctx, action(p, "lea", "")); err != nil {
		t.Fatal(err)
	}
	if p, err = h.svc.Approve(ctx, action(p, "lea", "manager")); err != nil {
		t.Fatal(err)
	}
	if p.State != postv1.StateApproved {
		t.Fatalf("state = %s after approval, want approved", p.State)
	}
	return p
}

func action(p query.Post, by, role string) query.PostActionRequest {
	return query.PostActionRequest{PostRef: query.PostRef{Brand: p.Brand, ID: p.ID}, Revision: p.Revision, By: by, Role: role}
}

// scheduleAt schedules p at the instant at, written as a Paris wall time
// with seconds.
func (h *harness) scheduleAt(t testing.TB, p query.Post, at time.Time) query.Post {
	t.Helper()
	paris, _ := time.LoadLocation("Europe/Paris")
	p, err := h.svc.Schedule(context.Background(), query.SchedulePostRequest{PostRef: query.PostRef{Brand: p.Brand, ID: p.ID}, Revision: p.Revision, By: "lea",
		Wall: at.In(paris).Format("2006-01-02T15:04:05"), Zone: "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// approvedMany approves n posts with workers goroutines.
func (h *harness) approvedMany(t testing.TB, n, workers int) []query.Post {
	t.Helper()
	out := make([]query.Post, n)
	parallel(n, workers, func(i int) { out[i] = h.approved(t, fmt.Sprintf("Post n°%d de la minute", i)) })
	return out
}

// scheduleMany schedules posts[i] at due(i) with workers goroutines.
func (h *harness) scheduleMany(t testing.TB, posts []query.Post, workers int, due func(int) time.Time) {
	t.Helper()
	parallel(len(posts), workers, func(i int) { posts[i] = h.scheduleAt(t, posts[i], due(i)) })
}

func parallel(n, workers int, fn func(i int)) {
	// Buffered whole: a worker stopped by a failed test (t.Fatal ends its
	// goroutine) leaves the rest to the others, never a blocked sender.
	work := make(chan int, n)
	for i := range n {
		work <- i
	}
	close(work)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range work {
				fn(i)
			}
		})
	}
	wg.Wait()
}

func refOf(p query.Post) query.PostRef { return query.PostRef{Brand: p.Brand, ID: p.ID} }

// states counts the brand's posts by state, and the parked messages.
func (h *harness) states(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	list, err := h.svc.List(context.Background(), query.ListPostsRequest{Brand: brand})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list.Posts {
		out[string(p.State)]++
	}
	if s, err := h.conn.JS.Stream(context.Background(), events.StreamName(events.DomainDLQ)); err == nil {
		if info, err := s.Info(context.Background()); err == nil {
			out["dlq"] = int(info.State.Msgs)
		}
	}
	return out
}
