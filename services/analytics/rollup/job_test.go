package rollup

import (
	"fmt"
	"testing"
	"time"
)

func TestRunsOf(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	d := func(n int) time.Time { return start.AddDate(0, 0, n) }
	var days []BrandDay
	for _, n := range []int{0, 1, 2, 5} {
		days = append(days, BrandDay{"a", d(n)})
	}
	for n := range 40 {
		days = append(days, BrandDay{"b", d(n)})
	}
	runs := runsOf(days)
	want := []dayRun{{"a", d(0), d(3)}, {"a", d(5), d(6)}, {"b", d(0), d(RunDays)}, {"b", d(RunDays), d(40)}}
	if fmt.Sprint(runs) != fmt.Sprint(want) {
		t.Fatalf("runsOf = %v, want %v", runs, want)
	}
}
