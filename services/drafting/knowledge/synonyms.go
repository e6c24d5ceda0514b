package knowledge

import (
	"slices"
	"strings"
)

// synonymWeight is what a query word's synonym counts for, against 1 for
// the word itself: a synonym finds an entry worded differently, the word
// as written still ranks an entry that uses it first.
const synonymWeight = 0.7

// synonymGroups are words a customer and a brand use for the same thing,
// French then English, one group a line; each word is read as Tokens reads
// it (folded, plural cut), so forms need not be listed twice. They are the
// vocabulary of a shop's customer service: delivery, returns, orders,
// prices, opening hours, subscriptions, accounts, payment, stock.
var synonymGroups = `
livraison livrer livre livree expedier expedie expedition envoi envoyer colis recevoir recu reception arriver arrive delai acheminement
retour retourner renvoyer rendre rembourser remboursement echanger echange
commande commander achat acheter
prix tarif cout couter combien cher
horaire heure ouvert ouverte ouvre ouverture fermeture ferme
boutique magasin point vente
abonnement abonner abonne regulierement engagement engager resilier resiliable
annuler annulation resilier
compte identifiant connexion connecter
mot passe
paiement payer carte cb
stock disponible disponibilite rupture epuise
bio biologique pesticide
mouture moudre moulu
piston press
decafeine cafeine
delivery deliver delivered ship shipping shipped shipment parcel package arrive arrival receive received dispatch
return returned refund refunded reimburse exchange
order ordered purchase buy bought
price cost costs cheap expensive much
hour open opening close closing closed
shop store
subscription subscribe subscribed regularly recurring commitment cancel cancelled
account login password sign
payment pay card
stock available availability sold
organic pesticide
decaf decaffeinated caffeine
`

// synonyms maps a token to the other tokens of its groups.
var synonyms = func() map[string][]string {
	m := map[string][]string{}
	for line := range strings.Lines(strings.TrimSpace(synonymGroups)) {
		group := Tokens(line)
		for _, a := range group {
			for _, b := range group {
				if a != b && !slices.Contains(m[a], b) {
					m[a] = append(m[a], b)
				}
			}
		}
	}
	return m
}()

type term struct {
	token  string
	weight float64
}

// queryTerms are the tokens of query, each once, with their weights: 1 for
// a word of the query, synonymWeight for a synonym of one that the query
// does not hold itself; in a fixed order, so that scores add up the same
// way every time.
func queryTerms(query string) []term {
	var out []term
	seen := map[string]bool{}
	tokens := Tokens(query)
	for _, t := range tokens {
		if !seen[t] {
			seen[t] = true
			out = append(out, term{t, 1})
		}
	}
	for _, t := range tokens {
		for _, s := range synonyms[t] {
			if !seen[s] {
				seen[s] = true
				out = append(out, term{s, synonymWeight})
			}
		}
	}
	return out
}
