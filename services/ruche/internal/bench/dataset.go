package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// The generated dataset: a year of interactions of 20 brands (the demo
// brand is the largest, about 22%: brand index ⌊20·u²⌋), 14 networks,
// 6 kinds, mostly French and English, created_at denser towards now
// (now − 365 d · u^1.3), authors with a long tail, and one moderation
// decision per interaction (allow 45%, review 40%, hide 10%, spam 5%).
// Threads as under posts: 20 a day per brand and network, each interaction
// in one of its day's (the inbox's item panel reads the thread).
// Everything derives from cityHash64(number), so that the two tables agree
// and a run can be repeated.
const datasetSource = `
SELECT number,
	cityHash64(number) AS h, cityHash64(number, 1) AS h2, cityHash64(number, 2) AS h3,
	(h % 1000000) / 1000000 AS u1, (h2 % 1000003) / 1000003 AS u2, (h3 % 999983) / 999983 AS u3,
	toUInt32(floor(20 * pow(u2, 2))) AS bi,
	if(bi = 0, 'demo', concat('brand-', toString(bi))) AS brand,
	arrayElement(['instagram','instagram','instagram','facebook','facebook','x','x','tiktok','tiktok','youtube','linkedin','mastodon','bluesky','reviews','rss'], (intDiv(h, 7) % 15) + 1) AS net,
	concat(net, ':', toString(number)) AS iid,
	toDateTime(toUInt32({now}) - toUInt32(pow(u1, 1.3) * 31536000)) AS created
FROM system.numbers LIMIT {offset}, {limit}`

const datasetInteractions = `INSERT INTO interactions (` + interactionColumns + `)
SELECT iid, brand, net, concat('@', brand),
	arrayElement(['comment','comment','comment','comment','reply','reply','reply','mention','mention','dm','review','listening_hit'], (h2 % 12) + 1),
	toString(number), concat('post-', brand, '-', net, '-', toString(toDate(created)), '-', toString(intDiv(h2, 13) % 20)), '',
	toString(toUInt64(pow(u3, 3) * 500000)) AS author, concat('@user', author), concat('User ', author),
	toInt64(h3 % 100000), toUInt8(h3 % 97 = 0),
	concat(arrayElement(['Bonjour,', 'Hello!', 'Salut', 'Hi team,', 'Franchement', 'Honestly,', 'Merci', 'Thanks'], (h % 8) + 1), ' ',
		arrayElement(['ma commande n''est toujours pas arrivée après deux semaines, le suivi ne bouge plus', 'the new collection looks amazing, when is it in stores near Lyon or Paris', 'le service client ne répond plus depuis trois jours, ni par mail ni par téléphone', 'I was charged twice for the same order, please help me get a refund quickly', 'super produit, je recommande à tout le monde, la qualité est au rendez-vous', 'your app keeps crashing on login since the last update on my phone', 'livraison rapide et emballage soigné, bravo à toute l''équipe', 'is there a discount code for students this month or next'], (h2 % 8) + 1), '. ',
		arrayElement(['Vous pouvez vérifier ?', 'Any update?', 'Je suis très déçue.', 'Love it!', 'Numéro de commande en DM.', 'Please reply asap.', 'Merci d''avance.', '#fail'], (h3 % 8) + 1)),
	arrayElement(['fr','fr','fr','fr','fr','fr','en','en','en','en','es','de'], (h % 12) + 1),
	concat('https://', net, '.example/p/', toString(number)),
	created, created + toUInt32(h2 % 600), toUInt16(h % 1000), 'webhook', concat(net, '-main'), created + toUInt32(h2 % 600)
FROM (` + datasetSource + `)`

const datasetStates = `INSERT INTO interaction_state (brand, interaction_id, event_id, network, labels, verdict, actions, priority, sla_due, rule_hits, policy_version, moderated_at, version, inserted_at)
SELECT brand, iid, concat('moderated:', iid, ':v1'), net,
	arrayElement([['lang:fr'], ['lang:en', 'intent:question'], ['intent:complaint', 'sentiment:negative'], ['spam'], ['sentiment:positive'], emptyArrayString()], (h3 % 6) + 1),
	arrayElement(['allow','allow','allow','allow','allow','allow','allow','allow','allow','review','review','review','review','review','review','review','review','hide','hide','spam'], (h % 20) + 1) AS verdict,
	if(verdict = 'review', ['needs_reply'], emptyArrayString()),
	toInt32(h2 % 100), CAST(NULL AS Nullable(DateTime)), emptyArrayString(), toUInt32(1),
	created + 2 AS moderated, toUInt64(moderated) * 1000, moderated
FROM (` + datasetSource + `)`

// generate fills db with rows interactions and their decisions, in chunks
// of 250,000 rows (each insert well within the client's read timeout on a
// loaded machine), and returns how long it took, merges included.
func (b *bench) generate(ctx context.Context, db *clickhouse.DB, rows int, now time.Time) (time.Duration, error) {
	start := time.Now()
	const chunk = 250_000
	for off := 0; off < rows; off += chunk {
		n := min(chunk, rows-off)
		for _, q := range []string{datasetInteractions, datasetStates} {
			q = strings.NewReplacer("{now}", strconv.FormatInt(now.Unix(), 10), "{offset}", strconv.Itoa(off), "{limit}", strconv.Itoa(n)).Replace(q)
			if err := db.Conn().Exec(ctx, q); err != nil {
				return 0, fmt.Errorf("generate rows %d-%d: %w", off, off+n, err)
			}
		}
		if rows > chunk {
			b.log("dataset: %d/%d rows (%s)", off+n, rows, time.Since(start).Round(time.Second))
		}
	}
	generated := time.Since(start)
	// Let the background merges of the fresh parts finish (up to a
	// minute): queries are measured on a settled table, as in production.
	for i := 0; i < 600; i++ {
		var merging uint64
		if err := db.Conn().QueryRow(ctx, "SELECT count() FROM system.merges WHERE database = ?", db.Database()).Scan(&merging); err != nil || merging == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var parts uint64
	_ = db.Conn().QueryRow(ctx, "SELECT count() FROM system.parts WHERE database = ? AND active", db.Database()).Scan(&parts)
	b.log("dataset: %d rows in %s, merges settled after %s, %d active parts", rows, generated.Round(time.Millisecond), time.Since(start).Round(time.Second), parts)
	return generated, nil
}
