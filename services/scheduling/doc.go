// Package scheduling will own the editorial calendar: posts, approvals,
// queues, time zones and durable timers (JetStream message schedules) that
// emit publish.requested at the due time. Nothing runs yet: the service is
// not registered as a target of the ruche binary until it does real work.
package scheduling
