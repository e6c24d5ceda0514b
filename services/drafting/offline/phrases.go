package offline

// phrases are the templates' sentences in one language and address.
type phrases struct {
	greeting, thanks, sorry, order, dm, interest, checking, more, closing string
}

func phrasebook(lang, address string) phrases {
	switch {
	case lang == "en":
		return phrases{
			greeting: "Hello {{author}},",
			thanks:   "Thank you for your message!",
			sorry:    "We are sorry about this.",
			order:    "We are looking into order {{order}} right now and will get back to you.",
			dm:       "Could you send us a private message with your order number so we can look into it?",
			interest: "Thank you for your interest!",
			checking: "We are checking and will get back to you very soon.",
			more:     "More details: {{url}}",
			closing:  "Have a nice day!",
		}
	case address == "tu":
		return phrases{
			greeting: "Bonjour {{author}},",
			thanks:   "Merci pour ton message !",
			sorry:    "Nous sommes désolés pour ce désagrément.",
			order:    "Nous regardons ta commande {{order}} tout de suite et revenons vers toi.",
			dm:       "Peux-tu nous écrire en message privé avec ton numéro de commande pour que nous regardions cela ?",
			interest: "Merci pour ton intérêt !",
			checking: "Nous vérifions et revenons vers toi très vite.",
			more:     "Plus de détails : {{url}}",
			closing:  "Belle journée !",
		}
	}
	return phrases{
		greeting: "Bonjour {{author}},",
		thanks:   "Merci pour votre message !",
		sorry:    "Nous sommes désolés pour ce désagrément.",
		order:    "Nous regardons votre commande {{order}} tout de suite et revenons vers vous.",
		dm:       "Pouvez-vous nous écrire en message privé avec votre numéro de commande pour que nous regardions cela ?",
		interest: "Merci pour votre intérêt !",
		checking: "Nous vérifions et revenons vers vous très vite.",
		more:     "Plus de détails : {{url}}",
		closing:  "Belle journée !",
	}
}
