package slots_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/scheduling/slots"
	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func week(t *testing.T, zone string, s ...slots.Slot) slots.Week {
	t.Helper()
	w, err := slots.Queue{Zone: zone, Slots: s, EvergreenGapDays: 7}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestNext(t *testing.T) {
	monWed := []slots.Slot{{Weekday: 1, Time: "09:00"}, {Weekday: 3, Time: "18:30"}}
	for _, tc := range []struct {
		name  string
		zone  string
		slots []slots.Slot
		after string
		taken []string
		want  string
		kind  walltime.Kind
	}{
		{"next_slot_of_the_week", "Europe/Paris", monWed, "2026-12-07T09:00:00Z", nil, "2026-12-09T17:30:00Z", walltime.Exact},
		{"strictly_after_now", "Europe/Paris", monWed, "2026-12-09T17:30:00Z", nil, "2026-12-14T08:00:00Z", walltime.Exact},
		{"taken_slot_is_skipped", "Europe/Paris", monWed, "2026-12-07T09:00:00Z", []string{"2026-12-09T17:30:00Z"}, "2026-12-14T08:00:00Z", walltime.Exact},
		{"taken_to_the_minute", "Europe/Paris", monWed, "2026-12-07T09:00:00Z", []string{"2026-12-09T17:30:40Z"}, "2026-12-14T08:00:00Z", walltime.Exact},
		{"a_post_a_minute_off_does_not_take_it", "Europe/Paris", monWed, "2026-12-07T09:00:00Z", []string{"2026-12-09T17:31:00Z"}, "2026-12-09T17:30:00Z", walltime.Exact},
		{"summer_time_offset", "Europe/Paris", monWed, "2026-07-01T00:00:00Z", nil, "2026-07-01T16:30:00Z", walltime.Exact},
		{"spring_forward_0230_moves_to_0330", "Europe/Paris", []slots.Slot{{Weekday: 7, Time: "02:30"}}, "2026-03-28T12:00:00Z", nil, "2026-03-29T01:30:00Z", walltime.Gap},
		{"fall_back_0230_is_the_earlier", "Europe/Paris", []slots.Slot{{Weekday: 7, Time: "02:30"}}, "2026-10-24T12:00:00Z", nil, "2026-10-25T00:30:00Z", walltime.Overlap},
		{"half_hour_zone", "Asia/Kolkata", monWed, "2026-12-06T00:00:00Z", nil, "2026-12-07T03:30:00Z", walltime.Exact},
		{"new_year_across_the_week", "Europe/Paris", []slots.Slot{{Weekday: 5, Time: "12:00"}}, "2026-12-31T12:00:00Z", nil, "2027-01-01T11:00:00Z", walltime.Exact},
		{"midnight_gap_moves_the_slot_into_the_next_day", "America/Santiago", []slots.Slot{{Weekday: 6, Time: "23:30"}, {Weekday: 7, Time: "00:30"}},
			// Chile's clocks go from 24:00 Saturday 5 September 2026 to 01:00: the
			// Saturday 23:30 slot is untouched, Sunday 00:30 moves to 01:30.
			"2026-09-06T03:45:00Z", nil, "2026-09-06T04:30:00Z", walltime.Gap},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := week(t, tc.zone, tc.slots...)
			taken := slots.Taken{}
			for _, s := range tc.taken {
				taken.Add(utc(s))
			}
			got, err := w.Next(utc(tc.after), taken)
			if err != nil {
				t.Fatal(err)
			}
			if got.At.UTC().Format(time.RFC3339) != tc.want || got.Kind != tc.kind {
				t.Errorf("Next = %s (%s), want %s (%s)", got.At.UTC().Format(time.RFC3339), got.Kind, tc.want, tc.kind)
			}
			if got.At.Location().String() != tc.zone {
				t.Errorf("location = %s, want the queue's %s", got.At.Location(), tc.zone)
			}
		})
	}
}

func TestFree(t *testing.T) {
	t.Run("a_skipped_slot_landing_on_another_counts_once", func(t *testing.T) {
		w := week(t, "Europe/Paris", slots.Slot{Weekday: 7, Time: "02:30"}, slots.Slot{Weekday: 7, Time: "03:30"})
		got := w.Free(utc("2026-03-28T12:00:00Z"), 3, nil)
		want := []string{"2026-03-29T01:30:00Z", "2026-04-05T00:30:00Z", "2026-04-05T01:30:00Z"}
		if len(got) != len(want) {
			t.Fatalf("Free = %v, want %v", got, want)
		}
		for i := range want {
			if s := got[i].At.UTC().Format(time.RFC3339); s != want[i] {
				t.Errorf("Free[%d] = %s, want %s", i, s, want[i])
			}
		}
	})
	t.Run("in_time_order_across_days", func(t *testing.T) {
		w := week(t, "UTC", slots.Slot{Weekday: 3, Time: "08:00"}, slots.Slot{Weekday: 1, Time: "20:00"}, slots.Slot{Weekday: 1, Time: "07:00"})
		got := w.Free(utc("2026-12-07T00:00:00Z"), 4, slots.TakenAt(utc("2026-12-07T20:00:00Z")))
		want := []string{"2026-12-07T07:00:00Z", "2026-12-09T08:00:00Z", "2026-12-14T07:00:00Z", "2026-12-14T20:00:00Z"}
		for i := range want {
			if i >= len(got) || got[i].At.Format(time.RFC3339) != want[i] {
				t.Fatalf("Free = %v, want %v", got, want)
			}
		}
	})
}

func TestNextErrors(t *testing.T) {
	t.Run("no_slots", func(t *testing.T) {
		w := week(t, "Europe/Paris")
		if _, err := w.Next(utc("2026-12-07T09:00:00Z"), nil); !errors.Is(err, slots.ErrNoSlots) {
			t.Errorf("err = %v, want ErrNoSlots", err)
		}
	})
	t.Run("every_slot_of_the_year_taken", func(t *testing.T) {
		w := week(t, "Europe/Paris", slots.Slot{Weekday: 1, Time: "09:00"})
		after := utc("2026-12-07T09:00:00Z")
		taken := slots.Taken{}
		for _, o := range w.Free(after, 100, nil) {
			taken.Add(o.At)
		}
		if _, err := w.Next(after, taken); !errors.Is(err, slots.ErrFull) {
			t.Errorf("err = %v, want ErrFull", err)
		}
	})
}

func TestCompile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		queue slots.Queue
		field string
	}{
		{"zone_required", slots.Queue{Slots: []slots.Slot{{Weekday: 1, Time: "09:00"}}}, "zone"},
		{"zone_not_iana", slots.Queue{Zone: "Paris"}, "zone"},
		{"zone_local_refused", slots.Queue{Zone: "Local"}, "zone"},
		{"weekday_zero", slots.Queue{Zone: "UTC", Slots: []slots.Slot{{Weekday: 0, Time: "09:00"}}}, "slots[0].weekday"},
		{"weekday_eight", slots.Queue{Zone: "UTC", Slots: []slots.Slot{{Weekday: 1, Time: "09:00"}, {Weekday: 8, Time: "09:00"}}}, "slots[1].weekday"},
		{"time_without_leading_zero", slots.Queue{Zone: "UTC", Slots: []slots.Slot{{Weekday: 1, Time: "9:00"}}}, "slots[0].time"},
		{"time_24h", slots.Queue{Zone: "UTC", Slots: []slots.Slot{{Weekday: 1, Time: "24:00"}}}, "slots[0].time"},
		{"time_minute_60", slots.Queue{Zone: "UTC", Slots: []slots.Slot{{Weekday: 1, Time: "10:60"}}}, "slots[0].time"},
		{"duplicate_slot", slots.Queue{Zone: "UTC", Slots: []slots.Slot{{Weekday: 2, Time: "10:00"}, {Weekday: 2, Time: "10:00"}}}, "slots[1]"},
		{"negative_gap", slots.Queue{Zone: "UTC", EvergreenGapDays: -1}, "evergreen_gap_days"},
		{"too_many_slots", slots.Queue{Zone: "UTC", Slots: make([]slots.Slot, slots.MaxSlots+1)}, "slots"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.queue.Compile()
			e := rpc.AsError(err)
			if e == nil || e.Field != tc.field {
				t.Errorf("Compile() = %v, want a bad request on %q", err, tc.field)
			}
		})
	}
}

func TestParseClock(t *testing.T) {
	for in, want := range map[string]int{"00:00": 0, "09:05": 545, "23:59": 1439} {
		if got, ok := slots.ParseClock(in); !ok || got != want {
			t.Errorf("ParseClock(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "9:05", "09h05", "24:00", "12:60", "ab:cd", "09:5 "} {
		if _, ok := slots.ParseClock(in); ok {
			t.Errorf("ParseClock(%q) accepted", in)
		}
	}
}
