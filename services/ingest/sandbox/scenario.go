package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Scenario names.
const (
	// ScenarioCrisisBurst is a spike of negative complaints about one topic
	// on top of ordinary traffic: by default 400 over four minutes, about 120
	// in the first minute, as a real bad-buzz starts.
	ScenarioCrisisBurst = "crisis_burst"
	// ScenarioViralPost is a new brand post drawing a burst of comments and
	// replies, mostly enthusiastic (praise, purchase intent, tags of
	// friends), with some questions, spam and the usual grumbling: by
	// default 300 over five minutes. It is a positive burst, not a crisis.
	ScenarioViralPost = "viral_post"
)

// Scenarios lists the scenario names.
var Scenarios = []string{ScenarioCrisisBurst, ScenarioViralPost}

// Crisis topics.
const (
	TopicDelivery = "delivery" // parcels stuck, tracking frozen
	TopicPods     = "pods"     // a faulty batch of pods leaking in machines
	TopicApp      = "app"      // app and payment outage, double charges
	TopicPrice    = "price"    // a price rise without notice
)

// Topics lists the crisis topics.
var Topics = []string{TopicDelivery, TopicPods, TopicApp, TopicPrice}

// ScenarioOptions tune a scenario; zero values take the defaults.
type ScenarioOptions struct {
	// Topic of a crisis (one of Topics; drawn from the seed when empty).
	Topic string `json:"topic,omitempty"`
	// Count of items (crisis 400, viral 300).
	Count int `json:"count,omitempty"`
	// Duration over which they arrive (crisis 4m, viral 5m); JSON "90s".
	Duration time.Duration `json:"duration,omitempty"`
	// Lang is fr or en; empty follows the network's mix.
	Lang string `json:"lang,omitempty"`
}

// UnmarshalJSON reads the duration as a Go duration string ("3m").
func (o *ScenarioOptions) UnmarshalJSON(b []byte) error {
	var raw struct {
		Topic    string `json:"topic"`
		Count    int    `json:"count"`
		Duration string `json:"duration"`
		Lang     string `json:"lang"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*o = ScenarioOptions{Topic: raw.Topic, Count: raw.Count, Lang: raw.Lang}
	if raw.Duration != "" {
		d, err := time.ParseDuration(raw.Duration)
		if err != nil {
			return fmt.Errorf("duration: %w", err)
		}
		o.Duration = d
	}
	return nil
}

// ScenarioRun describes a started scenario.
type ScenarioRun struct {
	Scenario string    `json:"scenario"`
	Topic    string    `json:"topic,omitempty"`
	Count    int       `json:"count"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	// PostID is the brand post a viral scenario runs under.
	PostID string `json:"post_id,omitempty"`
}

// StartScenario schedules a scenario from now; its items arrive through
// Step (Run), front-loaded like real bursts. Scenarios are deterministic
// for a seed: the n-th scenario of a network draws the same items.
func (n *Network) StartScenario(name string, o ScenarioOptions) (ScenarioRun, error) {
	if !slices.Contains(Scenarios, name) {
		return ScenarioRun{}, fmt.Errorf("unknown scenario %q (one of %v)", name, Scenarios)
	}
	if o.Topic != "" && !slices.Contains(Topics, o.Topic) {
		return ScenarioRun{}, fmt.Errorf("unknown topic %q (one of %v)", o.Topic, Topics)
	}
	if o.Lang != "" && o.Lang != LangFR && o.Lang != LangEN {
		return ScenarioRun{}, fmt.Errorf("lang must be fr or en, got %q", o.Lang)
	}
	if o.Count < 0 || o.Count > 5000 || o.Duration < 0 || o.Duration > 24*time.Hour {
		return ScenarioRun{}, fmt.Errorf("count must be 0 to 5000 and duration at most 24h")
	}
	now := n.now().UTC()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.runs++
	g := n.gen.fork(uint64(n.runs) << 8)
	lang := func() string {
		if o.Lang != "" {
			return o.Lang
		}
		return g.lang()
	}
	run := ScenarioRun{Scenario: name, StartsAt: now}
	var items []scheduled
	switch name {
	case ScenarioCrisisBurst:
		run.Topic = o.Topic
		if run.Topic == "" {
			run.Topic = Topics[g.rng.IntN(len(Topics))]
		}
		run.Count = cmp.Or(o.Count, 400)
		d := cmp.Or(o.Duration, 4*time.Minute)
		for range run.Count {
			dr := g.crisisOf(run.Topic, lang())
			dr.Scenario = name
			items = append(items, scheduled{at: now.Add(burstOffset(g.rng, d)), draft: dr})
		}
		run.EndsAt = now.Add(d)
	case ScenarioViralPost:
		run.Count = cmp.Or(o.Count, 300)
		d := cmp.Or(o.Duration, 5*time.Minute)
		postLang := o.Lang
		if postLang == "" {
			postLang = g.lang()
		}
		text := viralPostFR
		if postLang == LangEN {
			text = viralPostEN
		}
		post := n.addPost(text, postLang, now)
		run.PostID = post.item.ID
		for range run.Count {
			dr := g.viralOf(postLang)
			if dr.Type != TypeReply {
				dr.Type = TypeComment
			}
			dr.Scenario = name
			items = append(items, scheduled{at: now.Add(burstOffset(g.rng, d)), draft: dr, thread: post.item.ID})
		}
		run.EndsAt = now.Add(d)
	}
	if err := n.schedule(items); err != nil {
		return ScenarioRun{}, err
	}
	n.log.Info("sandbox scenario started", "scenario", name, "topic", run.Topic, "count", run.Count, "ends_at", run.EndsAt)
	return run, nil
}

// burstOffset draws an arrival within d from a triangular distribution
// peaking at a fifth of d: a sharp rise and a long tail.
func burstOffset(rng *rand.Rand, d time.Duration) time.Duration {
	const peak = 0.2
	u := rng.Float64()
	var x float64
	if u < peak {
		x = math.Sqrt(u * peak)
	} else {
		x = 1 - math.Sqrt((1-u)*(1-peak))
	}
	return time.Duration(x * float64(d))
}
