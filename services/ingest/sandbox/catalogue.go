package sandbox

import "strings"

// The demo brand of the sandbox: a coffee roaster with shops and an online
// store, chosen because every kind of conversation a community manager meets
// (questions, delivery complaints, praise, purchase intent, outages, price
// rises) is natural for it.
const (
	demoBrandName = "Café Lumière"
	demoBrandTag  = "CafeLumiere"
)

// product is one item of the demo catalogue with the grammatical forms the
// templates need: French articles and agreements differ by gender, number
// and elision, so every form is written out rather than derived.
type product struct {
	// classes: a appliance, w appliance using water, c consumable, g coffee
	// (has a taste), s service.
	classes string
	// French forms.
	nom, le, du, mon, ce, un string
	fem, plural              bool
	// English forms.
	name, the, my, a, this string
	enPlural               bool
	eur, gbp               string
}

var products = []product{
	{classes: "aw", nom: "machine Aurore", le: "la machine Aurore", du: "de la machine Aurore", mon: "ma machine Aurore", ce: "cette machine Aurore", un: "une machine Aurore", fem: true,
		name: "Aurore espresso machine", the: "the Aurore espresso machine", my: "my Aurore espresso machine", a: "an Aurore espresso machine", this: "this Aurore espresso machine", eur: "349 €", gbp: "£299"},
	{classes: "a", nom: "moulin Brio", le: "le moulin Brio", du: "du moulin Brio", mon: "mon moulin Brio", ce: "ce moulin Brio", un: "un moulin Brio",
		name: "Brio grinder", the: "the Brio grinder", my: "my Brio grinder", a: "a Brio grinder", this: "this Brio grinder", eur: "129 €", gbp: "£109"},
	{classes: "aw", nom: "cafetière Douce", le: "la cafetière Douce", du: "de la cafetière Douce", mon: "ma cafetière Douce", ce: "cette cafetière Douce", un: "une cafetière Douce", fem: true,
		name: "Douce drip brewer", the: "the Douce drip brewer", my: "my Douce drip brewer", a: "a Douce drip brewer", this: "this Douce drip brewer", eur: "89 €", gbp: "£75"},
	{classes: "aw", nom: "bouilloire Cygne", le: "la bouilloire Cygne", du: "de la bouilloire Cygne", mon: "ma bouilloire Cygne", ce: "cette bouilloire Cygne", un: "une bouilloire Cygne", fem: true,
		name: "Swan kettle", the: "the Swan kettle", my: "my Swan kettle", a: "a Swan kettle", this: "this Swan kettle", eur: "69 €", gbp: "£59"},
	{classes: "cg", nom: "capsules Intenso", le: "les capsules Intenso", du: "des capsules Intenso", mon: "mes capsules Intenso", ce: "ces capsules Intenso", un: "des capsules Intenso", fem: true, plural: true,
		name: "Intenso pods", the: "the Intenso pods", my: "my Intenso pods", a: "a box of Intenso pods", this: "these Intenso pods", enPlural: true, eur: "4,90 €", gbp: "£4.50"},
	{classes: "cg", nom: "café en grains Sidamo", le: "le café en grains Sidamo", du: "du café en grains Sidamo", mon: "mon café en grains Sidamo", ce: "ce café en grains Sidamo", un: "un paquet de Sidamo",
		name: "Sidamo whole beans", the: "the Sidamo whole beans", my: "my Sidamo beans", a: "a bag of Sidamo beans", this: "these Sidamo beans", enPlural: true, eur: "12,90 €", gbp: "£10.90"},
	{classes: "cg", nom: "décaféiné Velours", le: "le décaféiné Velours", du: "du décaféiné Velours", mon: "mon décaféiné Velours", ce: "ce décaféiné Velours", un: "un paquet de Velours",
		name: "Velours decaf", the: "the Velours decaf", my: "my Velours decaf", a: "a bag of Velours decaf", this: "this Velours decaf", eur: "11,50 €", gbp: "£9.80"},
	{classes: "c", nom: "coffret Découverte", le: "le coffret Découverte", du: "du coffret Découverte", mon: "mon coffret Découverte", ce: "ce coffret Découverte", un: "un coffret Découverte",
		name: "Discovery box", the: "the Discovery box", my: "my Discovery box", a: "a Discovery box", this: "this Discovery box", eur: "39 €", gbp: "£34"},
	{classes: "s", nom: "abonnement Essentiel", le: "l'abonnement Essentiel", du: "de l'abonnement Essentiel", mon: "mon abonnement Essentiel", ce: "cet abonnement Essentiel", un: "un abonnement Essentiel",
		name: "Essential subscription", the: "the Essential subscription", my: "my Essential subscription", a: "an Essential subscription", this: "this Essential subscription", eur: "19 €/mois", gbp: "£16/month"},
}

// productsOf returns the products of one class ('p' for any).
func productsOf(class byte) []product {
	if class == 'p' {
		return products
	}
	var out []product
	for _, p := range products {
		if strings.IndexByte(p.classes, class) >= 0 {
			out = append(out, p)
		}
	}
	return out
}

var (
	citiesFR  = []string{"Lyon", "Bordeaux", "Lille", "Nantes", "Marseille", "Toulouse", "Strasbourg", "Rennes", "Montpellier", "Nice", "Grenoble", "Dijon", "Paris", "Bruxelles", "Genève", "Montréal"}
	citiesEN  = []string{"London", "Manchester", "Bristol", "Leeds", "Edinburgh", "Dublin", "Brighton", "Glasgow", "New York", "Boston", "Toronto", "Melbourne"}
	streetsFR = []string{"rue des Lilas", "avenue Jean-Jaurès", "rue de la République", "boulevard Victor-Hugo", "rue du Moulin", "allée des Tilleuls", "rue Pasteur", "chemin des Vignes"}
	streetsEN = []string{"Elm Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Avenue", "High Street", "Queen's Road"}

	femaleFR = []string{"Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Clara", "Lucie", "Anaïs", "Marion", "Pauline", "Élodie", "Nadia", "Fatou", "Amandine", "Sophie", "Mathilde", "Aurélie", "Yasmine", "Margaux", "Océane", "Nathalie", "Sylvie"}
	maleFR   = []string{"Thomas", "Lucas", "Hugo", "Nicolas", "Maxime", "Julien", "Antoine", "Karim", "Mehdi", "Théo", "Romain", "Alexandre", "Baptiste", "Kévin", "Olivier", "Sébastien", "Yann", "Mamadou", "Pierre", "Louis", "Bruno", "Jérôme", "Quentin", "Rachid", "Franck"}
	lastFR   = []string{"Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon", "Michel", "Garcia", "Roux", "Fournier", "Girard", "Bonnet", "Mercier", "Lambert", "Faure", "Rousseau", "Blanc", "Guérin", "Nguyen", "Benali", "Diallo", "Haddad", "Perrin", "Morel", "Chevalier", "Gauthier", "Da Silva", "Lemaire", "Petit", "Leroy"}
	femaleEN = []string{"Emily", "Olivia", "Sophie", "Grace", "Hannah", "Chloe", "Megan", "Jessica", "Priya", "Aisha", "Lauren", "Rachel", "Amy", "Zoe", "Maya", "Charlotte", "Ellie", "Niamh", "Holly", "Rebecca"}
	maleEN   = []string{"James", "Oliver", "Jack", "Harry", "Daniel", "Ryan", "Ben", "Tom", "Liam", "Noah", "Ethan", "Josh", "Sam", "Raj", "Marcus", "Connor", "Callum", "Aaron", "Kieran", "David"}
	lastEN   = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan", "Walker", "Wright", "Thompson", "Robinson", "Hughes", "Murphy", "O'Brien", "Clarke", "Lewis", "Hall", "Kim", "Chen", "Okafor", "Nguyen"}

	// Shop staff a customer may name.
	agentsFR = []string{"Sophie", "Karim", "Julie", "Marc", "Nadia", "Thomas", "Élise"}
	agentsEN = []string{"Sarah", "Mike", "Priya", "Tom", "Hannah", "Josh", "Ellie"}
)

// influencer is a well-known author: many followers, usually verified.
type influencer struct {
	handle, name string
	female       bool
}

var (
	influencersFR = []influencer{
		{"leacuisine", "Léa Cuisine", true}, {"thomas.barista", "Thomas le Barista", false}, {"lesmatinsdeclara", "Les Matins de Clara", true},
		{"karimfood", "Karim Food", false}, {"madamecafe", "Madame Café ☕", true}, {"julientech", "Julien Tech", false},
		{"ines.voyage", "Inès en Voyage", true}, {"lepetitgourmet", "Le Petit Gourmet", false},
	}
	influencersEN = []influencer{
		{"mayabrews", "Maya Brews", true}, {"thecoffeedad", "The Coffee Dad", false}, {"priyaeats", "Priya Eats", true},
		{"jackskitchen", "Jack's Kitchen", false}, {"morningritual", "Morning Ritual ☀️", true}, {"techwithsam", "Tech with Sam", false},
		{"oliviatravels", "Olivia Travels", true}, {"beanobsessed", "Bean Obsessed", false},
	}
	spamHandles = []string{"crypto_gains_", "followers.boost.", "promo_flash_", "invest.libre.", "win.big.", "trader_pro_", "free.gifts.", "likes4you_"}
	spamNamesFR = []string{"💰 Investir Malin", "Promo Flash 🔥", "Boost Abonnés 🚀", "Sophie | Investissement", "Trader Pro 📈", "Cadeaux Gratuits 🎁"}
	spamNamesEN = []string{"💰 Smart Investor", "Flash Deals 🔥", "Follower Boost 🚀", "Jenny | Crypto Coach", "Trader Pro 📈", "Free Gifts 🎁"}
	// Links of spam. Shorteners are what spam uses (and what moderation
	// rules look for); scam sites are under the reserved .example TLD.
	shorteners = []string{"bit.ly", "tinyurl.com", "t.ly", "cutt.ly", "is.gd"}
	scamSites  = []string{"crypto-gains.example", "boost-followers.example", "free-gift-card.example", "invest-24.example", "promo-cafe.example"}
	// Reserved example domains (RFC 2606) for e-mail addresses.
	mailDomains = []string{"example.com", "example.net", "example.org"}
)
