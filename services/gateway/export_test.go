package gateway

import "time"

// SetEventsHeartbeat makes the inbox event stream's heartbeat (and the
// re-check of its caller) every d (tests).
func SetEventsHeartbeat(s *Service, d time.Duration) { s.eventsHeartbeat = d }
