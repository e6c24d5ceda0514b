package crisis_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/crisis"
)

// minute is one scripted window: volume, negative count, negative texts.
type minute struct {
	volume, negative int
	text             string
}

// script runs the detector minute by minute on a deterministic clock, as
// the service does: counts merged, then every window past the grace closed.
func script(t *testing.T, cfg crisis.Config, minutes []minute) (detected, resolved map[int]string, st *crisis.State) {
	t.Helper()
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	st = &crisis.State{}
	detected, resolved = map[int]string{}, map[int]string{}
	for i, m := range minutes {
		start := t0.Add(time.Duration(i) * time.Minute)
		b := crisis.Bucket{Volume: m.volume, Negative: m.negative, Terms: map[string]int{}}
		for range m.negative {
			for _, w := range crisis.Terms(classify.Normalize(m.text)) {
				b.Terms[w]++
			}
		}
		st.Add(cfg, start.Unix(), b)
		// The clock reaches the end of this window plus the grace.
		tr := st.Close(cfg, "demo", start.Add(time.Minute+15*time.Second), 15*time.Second, true)
		for _, d := range tr.Detected {
			detected[i] = d.ID
			if !d.PausePublishing || d.Volume != m.volume || len(d.TopTerms) == 0 {
				t.Errorf("detected %+v", d)
			}
		}
		for _, r := range tr.Resolved {
			resolved[i] = r.CrisisID
		}
	}
	return detected, resolved, st
}

func TestDetector(t *testing.T) {
	cfg := crisis.DefaultConfig
	calm := func(i int) minute { return minute{volume: 5 + i%3, negative: i % 2, text: "pas terrible le service"} }
	var baseline []minute
	for i := range 30 {
		baseline = append(baseline, calm(i))
	}
	const burstText = "Intoxication alimentaire après vos biscuits, lot 4512, c'est une honte !"

	t.Run("detects_a_burst_within_two_windows_and_resolves_after", func(t *testing.T) {
		mins := slices.Clone(baseline)
		// The burst ramps up over two minutes, holds, then dies down.
		mins = append(mins, minute{25, 18, burstText}, minute{120, 100, burstText}, minute{150, 130, burstText}, minute{90, 70, burstText})
		for i := range 10 {
			mins = append(mins, calm(i))
		}
		detected, resolved, _ := script(t, cfg, mins)
		if len(detected) != 1 || len(resolved) != 1 {
			t.Fatalf("detected %v resolved %v, want one of each", detected, resolved)
		}
		for at, id := range detected {
			if at > 31 {
				t.Errorf("detected at minute %d, want within two windows of the burst (30 or 31)", at)
			}
			if resolved[firstKey(resolved)] != id {
				t.Errorf("resolved %v is not crisis %s", resolved, id)
			}
			if r := firstKey(resolved); r <= 33 || r > 33+cfg.CalmWindows+1 {
				t.Errorf("resolved at minute %d, want a few calm windows after the burst ends (minute 34)", r)
			}
		}
	})
	t.Run("names_the_spike_terms_without_stop_words", func(t *testing.T) {
		b := crisis.Bucket{Terms: map[string]int{}}
		for range 5 {
			for _, w := range crisis.Terms(classify.Normalize(burstText)) {
				b.Terms[w]++
			}
		}
		top := crisis.TopTerms(b.Terms, 10)
		for _, want := range []string{"intoxication", "biscuits", "honte"} {
			if !slices.Contains(top, want) {
				t.Errorf("top terms %v lack %q", top, want)
			}
		}
		for _, stop := range []string{"vos", "une", "c'est", "4512"} {
			if slices.Contains(top, stop) {
				t.Errorf("top terms %v hold %q", top, stop)
			}
		}
	})
	t.Run("a_positive_viral_spike_is_not_a_crisis", func(t *testing.T) {
		mins := append(slices.Clone(baseline), minute{200, 10, "bof"}, minute{180, 5, "bof"})
		if detected, _, _ := script(t, cfg, mins); len(detected) != 0 {
			t.Fatalf("detected %v", detected)
		}
	})
	t.Run("needs_a_baseline_and_a_minimum_volume", func(t *testing.T) {
		if detected, _, _ := script(t, cfg, []minute{{2, 0, ""}, {60, 50, burstText}}); len(detected) != 0 {
			t.Fatalf("no baseline yet, detected %v", detected)
		}
		quiet := []minute{}
		for range 30 {
			quiet = append(quiet, minute{1, 0, ""})
		}
		if detected, _, _ := script(t, cfg, append(quiet, minute{12, 12, burstText})); len(detected) != 0 {
			t.Fatalf("12 items is under the minimum volume, detected %v", detected)
		}
	})
	t.Run("does_not_flap_on_a_noisy_crisis", func(t *testing.T) {
		mins := slices.Clone(baseline)
		// High, dips for one window (not enough to resolve), high again.
		mins = append(mins, minute{120, 100, burstText}, minute{100, 80, burstText}, minute{6, 2, "bof"}, minute{110, 90, burstText}, minute{100, 80, burstText})
		for i := range 6 {
			mins = append(mins, calm(i))
		}
		detected, resolved, _ := script(t, cfg, mins)
		if len(detected) != 1 || len(resolved) != 1 {
			t.Fatalf("detected %v resolved %v, want one of each", detected, resolved)
		}
	})
	t.Run("silence_resolves_an_open_crisis", func(t *testing.T) {
		mins := append(slices.Clone(baseline), minute{120, 100, burstText})
		_, _, st := script(t, cfg, mins)
		if st.Open == nil {
			t.Fatal("no crisis open")
		}
		// No traffic at all for five minutes: the windows still close.
		tr := st.Close(cfg, "demo", time.Date(2026, 11, 23, 8, 31+5, 15, 0, time.UTC), 15*time.Second, true)
		if len(tr.Resolved) != 1 || st.Open != nil {
			t.Fatalf("resolved %v, open %+v", tr.Resolved, st.Open)
		}
	})
}

func firstKey(m map[int]string) int {
	for k := range m {
		return k
	}
	panic(fmt.Sprint("empty ", m))
}
