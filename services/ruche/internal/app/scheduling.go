package app

import "github.com/ruche-project/ruche/services/scheduling"

func (a *App) initScheduling() (runner, error) {
	return scheduling.New(a.cfg.Scheduling, scheduling.Deps{Router: a.router, Logger: a.log, NATS: a.conn.NC, JS: a.conn.JS, Replicas: a.conn.Replicas()})
}
