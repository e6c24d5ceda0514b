package connector

import (
	"context"
	"time"

	"github.com/coder/websocket"
)

// KeepAlive pings a stream's WebSocket every interval until ctx is done; a
// ping without answer within half the interval closes the connection, so
// that the reader's Read fails and the stream reconnects instead of
// waiting on a dead socket. The connection must have a reader (pongs are
// read by Read).
func KeepAlive(ctx context.Context, conn *websocket.Conn, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, every/2)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				conn.CloseNow()
				return
			}
		}
	}
}
