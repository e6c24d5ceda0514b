package v1

import (
	"strconv"
	"time"
)

// State is where a post is in its life.
type State string

// States. A post moves draft → in_review → approved → scheduled →
// publishing → published, partially_published or failed; a crisis holds a
// scheduled post (held) until a manager resumes; changes requested send it
// back to draft, an edit of approved content back to draft, a cancelled
// schedule back to approved.
const (
	StateDraft              State = "draft"
	StateInReview           State = "in_review"
	StateApproved           State = "approved"
	StateScheduled          State = "scheduled"
	StateHeld               State = "held"
	StatePublishing         State = "publishing"
	StatePublished          State = "published"
	StatePartiallyPublished State = "partially_published"
	StateFailed             State = "failed"
)

// States lists every state, in the order of a post's life.
var States = []State{StateDraft, StateInReview, StateApproved, StateScheduled, StateHeld, StatePublishing, StatePublished, StatePartiallyPublished, StateFailed}

// Valid reports whether s is one of States.
func (s State) Valid() bool {
	for _, x := range States {
		if s == x {
			return true
		}
	}
	return false
}

// Transitioned is published for every change of a post's state.
type Transitioned struct {
	// ID is the event id: TransitionID(post, version).
	ID     string `json:"id"`
	Brand  string `json:"brand"`
	PostID string `json:"post_id"`
	// Version is the post's version after the change (one per change).
	Version int   `json:"version"`
	From    State `json:"from"`
	To      State `json:"to"`
	// By is who: a user id, or "scheduling" for the timer and outcomes.
	By string `json:"by"`
	// Reason says why when the change has one (changes requested, a
	// crisis hold, a network's refusal).
	Reason string `json:"reason,omitempty"`
	// ContentHash is the hash of the post's content at this version
	// ("sha256:<hex>" over every variant).
	ContentHash string `json:"content_hash"`
	// DueAt, Zone and Wall are the post's time when it has one: the
	// resolved instant, the IANA zone and the wall time in it.
	DueAt *time.Time `json:"due_at,omitempty"`
	Zone  string     `json:"zone,omitempty"`
	Wall  string     `json:"wall,omitempty"`
	// LateSeconds is how long after its time a post was released (a
	// restart, a NATS outage, a crisis hold), when it was late.
	LateSeconds float64   `json:"late_seconds,omitempty"`
	At          time.Time `json:"at"`
}

// Name implements events.Event.
func (Transitioned) Name() string { return "post.transitioned.v1" }

// TransitionID is the event id of a post's change to version.
func TransitionID(postID string, version int) string {
	return "post:" + postID + ":v" + strconv.Itoa(version)
}

// Due is what a scheduled post's timer delivers at the post's time. Its
// schedule message is published on TimerSubject; the server publishes Due
// on the post's due subject when the time comes.
type Due struct {
	// ID is the event id: DueID(post, schedule).
	ID     string `json:"id"`
	Brand  string `json:"brand"`
	PostID string `json:"post_id"`
	// Schedule numbers the post's schedules: a timer of an older one is
	// stale.
	Schedule int       `json:"schedule"`
	DueAt    time.Time `json:"due_at"`
}

// Name implements events.Event.
func (Due) Name() string { return "post.due.v1" }

// DueID is the event id of a post's schedule n firing.
func DueID(postID string, n int) string {
	return "due:" + postID + ":s" + strconv.Itoa(n)
}

// TimerSubject is the subject of a post's timer (its schedule message):
// one per post, so a new schedule replaces the last (roll-up) and a purge
// of the subject cancels it. It has a token more than event subjects, so
// no event consumer's filter matches it.
func TimerSubject(brand, postID string) string {
	return "ruche.post.timer.v1." + brand + "." + postID
}

// RecycleDue is what a queue's evergreen timer delivers every
// scheduling.recycle_every (a repeating message schedule on
// RecycleTimerSubject, armed while the queue recycles on its own):
// scheduling then fills the queue's free slots ahead with copies of the
// brand's evergreen posts.
type RecycleDue struct {
	Brand   string `json:"brand"`
	Network string `json:"network"`
}

// Name implements events.Event.
func (RecycleDue) Name() string { return "post.recycle_due.v1" }

// RecycleDueID is the event id of a queue's recycling timer (the same at
// every fire: the handler's work is idempotent, not the event).
func RecycleDueID(brand, network string) string {
	return "recycle:" + brand + ":" + network
}

// RecycleTimerSubject is the subject of a queue's recycling timer: one per
// queue, a token more than event subjects, like TimerSubject.
func RecycleTimerSubject(brand, network string) string {
	return "ruche.post.recycle_timer.v1." + brand + "." + network
}
