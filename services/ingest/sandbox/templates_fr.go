package sandbox

// French traffic. Placeholders are described in render.go: {le:a} is "the"
// appliance with its article ("la machine Aurore"), {e:a} its feminine
// agreement, {ae} the author's, {order} an order number, and so on.
var templatesFR = []template{
	// Questions.
	{cat: CategoryQuestion, on: public | dm, text: "Bonjour, {le:p} {estil:p} de nouveau disponible{s:p} ? Le site affiche « rupture » depuis une semaine."},
	{cat: CategoryPurchaseIntent, on: public | dm, text: "Vous livrez en Belgique ? Je voudrais commander {un:p} pour ma sœur à Bruxelles."},
	{cat: CategoryQuestion, on: public, text: "Bonjour ! Quelle est la différence entre {le:a} et l'ancien modèle ? J'hésite à craquer."},
	{cat: CategoryQuestion, on: public | dm, text: "Est-ce qu'on peut retirer une commande directement à la boutique de {city} ?"},
	{cat: CategoryQuestion, on: public | dm, text: "La garantie {du:a}, c'est deux ans ou plus ? Je ne trouve l'info nulle part."},
	{cat: CategoryQuestion, on: public | dm, text: "Bjr, comment on résilie l'abonnement Essentiel ? Je ne trouve pas le bouton dans l'appli."},
	{cat: CategoryQuestion, on: public, text: "Vos capsules sont compostables ? On essaie de réduire nos déchets à la maison 🌱"},
	{cat: CategoryQuestion, on: public, text: "Vous faites des ateliers dégustation à {city} ? Ce serait une super idée cadeau."},
	{cat: CategoryQuestion, on: public | dm, text: "Bonsoir, ma commande {order} est marquée « expédiée » depuis {days} jours, c'est normal ?"},
	{cat: CategoryQuestion, on: public, text: "Est-ce que la machine Aurore fonctionne aussi avec du café moulu, ou seulement avec les capsules ?"},
	{cat: CategoryQuestion, on: public, text: "Quels sont les horaires de la boutique de {city} le dimanche ?"},
	{cat: CategoryQuestion, on: public | dm, text: "Petite question : le code promo de la newsletter marche aussi sur {le:p} ?"},
	{cat: CategoryQuestion, on: public, text: "Salut ! Vous avez un déca qui a vraiment du goût ? Ma compagne est enceinte et elle commence à désespérer 😅"},
	{cat: CategoryQuestion, on: public, text: "Combien de temps se conserve le café en grains une fois le paquet ouvert ?"},
	{cat: CategoryQuestion, on: public | dm, text: "On peut payer en plusieurs fois pour {le:a} ?"},
	{cat: CategoryQuestion, on: dm, text: "Bonjour, je n'ai pas reçu l'e-mail de confirmation de ma commande {order}. Vous pouvez vérifier de votre côté ?"},
	{cat: CategoryQuestion, on: dm, text: "Bonjour, je suis journaliste pour un média local à {city}. Qui puis-je contacter pour une interview sur vos boutiques ?"},
	{cat: CategoryQuestion, on: reply, text: "Je me pose la même question, quelqu'un a eu une réponse ?"},

	// Complaints.
	{cat: CategoryComplaint, on: public | dm, text: "Commande {order} toujours pas arrivée après {days} jours. Personne ne répond au service client. C'est inadmissible."},
	{cat: CategoryComplaint, on: public | dm, text: "{mon:a} est tombé{e:a} en panne au bout de trois mois. Pour le prix, je m'attendais à mieux."},
	{cat: CategoryComplaint, on: public, text: "Troisième colis abîmé en deux mois. Vous pourriez revoir l'emballage svp ?"},
	{cat: CategoryComplaint, on: public | dm, text: "J'ai été prélevé{ae} deux fois pour le même abonnement. J'attends toujours le remboursement."},
	{cat: CategoryComplaint, on: public, text: "Franchement déçu{ae} par {le:g}, le goût n'a plus rien à voir avec avant."},
	{cat: CategoryComplaint, on: public, text: "Ça fait 40 minutes que j'attends au téléphone. Vous êtes joignables quand, exactement ?"},
	{cat: CategoryComplaint, on: public, text: "La boutique de {city} était fermée à 15 h un samedi alors que le site dit ouvert jusqu'à 19 h. Trajet pour rien."},
	{cat: CategoryComplaint, on: public, text: "Le nouveau goût des capsules Intenso est imbuvable. Vous avez changé de fournisseur ou quoi ?"},
	{cat: CategoryComplaint, on: public, text: "Appli encore en panne ce matin, impossible de valider ma commande. Ça devient pénible."},
	{cat: CategoryComplaint, on: public, text: "Livraison prévue hier, le livreur a mis « destinataire absent » alors que j'étais chez moi toute la journée 🙄"},
	{cat: CategoryComplaint, on: public | dm, text: "{mon:w} fuit par le dessous depuis le détartrage. J'ai pourtant suivi la notice à la lettre."},
	{cat: CategoryComplaint, on: public, text: "Vous augmentez encore l'abonnement ? +{pct} % en un an, c'est abusé."},
	{cat: CategoryComplaint, on: public, text: "Pas de réponse à mon mail depuis {days} jours. C'est ça, votre « service client premium » ?"},
	{cat: CategoryComplaint, on: public | dm, text: "Reçu {un:c} au lieu de ce que j'avais commandé. Et pour l'échange, il faut payer le retour ?!"},
	{cat: CategoryComplaint, on: public, text: "Le vendeur de la boutique de {city} m'a très mal parlé quand j'ai demandé un geste commercial. Très déçu{ae}."},
	{cat: CategoryComplaint, on: dm, text: "Bonjour, je vous écris en privé pour ne pas étaler ça en public : ma commande {order} est arrivée ouverte et il manque la moitié des articles."},
	{cat: CategoryComplaint, on: dm, text: "Re-bonjour, toujours pas de réponse à mon message d'hier. Quelqu'un peut regarder ?"},
	{cat: CategoryComplaint, on: reply, text: "Même problème ici, {days} jours que j'attends…"},
	{cat: CategoryComplaint, on: reply, text: "Pareil ! J'ai fini par appeler, et il a fallu insister pour qu'on me rembourse."},
	{cat: CategoryComplaint, on: reply, text: "+1, j'ai eu exactement le même souci avec {le:a}."},
	{cat: CategoryComplaint, on: reply, text: "On est plusieurs dans ce cas 😩 chez moi c'est pareil depuis la semaine dernière."},

	// Praise.
	{cat: CategoryPraise, on: public, text: "Reçu {mon:a} ce matin, et c'est un bonheur ☕️ Merci {brand} !"},
	{cat: CategoryPraise, on: public, text: "Merci à {agent} de la boutique de {city} pour ses conseils, on sent la passion !"},
	{cat: CategoryPraise, on: public, text: "Le Sidamo est une tuerie. Notes de fruits rouges, exactement comme décrit sur le paquet."},
	{cat: CategoryPraise, on: public, text: "Service client au top : colis perdu, renvoyé en 48 h sans discuter. Bravo 👏"},
	{cat: CategoryPraise, on: public, text: "Ça fait {n} ans que j'ai {mon:a} et {il:a} marche toujours comme au premier jour."},
	{cat: CategoryPraise, on: public, text: "Offert le coffret Découverte à mon père pour son anniversaire : gros succès !"},
	{cat: CategoryPraise, on: public, text: "Enfin une marque qui reprend les capsules usagées en boutique. Continuez comme ça 💚"},
	{cat: CategoryPraise, on: public, text: "Meilleur cappuccino de {city}, et de loin. L'équipe est adorable."},
	{cat: CategoryPraise, on: public, text: "Livraison en 24 h, emballage impeccable, rien à redire."},
	{cat: CategoryPraise, on: public, text: "Je pensais que le déca serait fade, j'avais tort. Je recommande !"},
	{cat: CategoryPraise, on: public, text: "{le:a}, c'est mon meilleur achat de l'année. Même mon coloc accro au thé s'y est mis."},
	{cat: CategoryPraise, on: public, text: "Franchement chapeau pour la nouvelle appli, beaucoup plus fluide qu'avant."},
	{cat: CategoryPraise, on: reply, text: "Bizarre, moi je n'ai jamais eu de problème en {n} ans."},
	{cat: CategoryPraise, on: reply, text: "Franchement, ils m'ont toujours remboursé{ae} rapidement. Passez par le formulaire en ligne."},

	// Purchase intent.
	{cat: CategoryPurchaseIntent, on: public, text: "Je cherche une idée cadeau pour mon frère, {le:p}, ça vaut le coup ?"},
	{cat: CategoryPurchaseIntent, on: public, text: "Il me {lo:a} faut absolument 😍 Dispo quand ?"},
	{cat: CategoryPurchaseIntent, on: public | dm, text: "Vous faites une promo sur {le:a} pour le Black Friday ? J'attends ça pour craquer."},
	{cat: CategoryPurchaseIntent, on: public | dm, text: "Je compte commander deux coffrets Découverte pour Noël, la livraison avant le 24 est garantie ?"},
	{cat: CategoryPurchaseIntent, on: public, text: "{friend} regarde, c'est {le:a} dont je te parlais ! On se {lo:a} prend pour l'appart ?"},
	{cat: CategoryPurchaseIntent, on: public, text: "Ça y est, je passe commande ce soir. Quelle mouture pour une cafetière italienne ?"},
	{cat: CategoryPurchaseIntent, on: public, text: "Dispo en boutique à {city} ou seulement en ligne ? Je voudrais {lo:a} voir avant d'acheter."},
	{cat: CategoryPurchaseIntent, on: public | dm, text: "Vous avez des cartes cadeaux ? J'aimerais en offrir une de 50 € à une collègue qui part à la retraite."},
	{cat: CategoryPurchaseIntent, on: dm, text: "Bonjour, nous sommes une petite entreprise de 25 personnes à {city}. Vous faites des offres pour équiper un bureau ?"},

	// Conversation between people: neither a request nor a problem.
	{cat: CategoryChatter, on: public | reply, text: "{friend} t'as vu ? Ça me rappelle notre pause café de lundi 😂"},
	{cat: CategoryChatter, on: public | reply, text: "Moi je le prends toujours avec une goutte de lait d'avoine, essayez !"},
	{cat: CategoryChatter, on: public, text: "Quelqu'un a testé une mouture fine avec la cafetière Douce ?"},
	{cat: CategoryChatter, on: public | reply, text: "Ahah la photo 😄"},
	{cat: CategoryChatter, on: public, text: "J'avoue que le matin, sans café, je ne parle à personne."},
	{cat: CategoryChatter, on: public, text: "Team espresso ou team allongé ? ☕"},
	{cat: CategoryChatter, on: reply, text: "Ma grand-mère avait exactement la même tasse !"},
	{cat: CategoryChatter, on: public | reply, text: "Qui d'autre boit son café froid parce qu'il l'a oublié sur le bureau ? 🙋"},
	{cat: CategoryChatter, on: reply, text: "Essayez de détartrer, chez moi ça a tout réglé."},
	{cat: CategoryChatter, on: reply, text: "Le service client répond plus vite en message privé que par mail, d'après mon expérience."},
	{cat: CategoryChatter, on: reply, text: "Tu peux demander un échange en boutique, ils l'ont fait pour moi sans problème."},

	// Spam with links.
	{cat: CategorySpamLink, on: public | reply | dm, text: "🔥 -70 % sur toutes les machines à café, aujourd'hui seulement 👉 {link}"},
	{cat: CategorySpamLink, on: public | reply, text: "Gagnez une machine Aurore ! Il suffit de cliquer ici avant minuit : {link} 🎁"},
	{cat: CategorySpamLink, on: public | dm, text: "Vous aussi vous payez votre café trop cher ? L'astuce que les marques détestent 👉 {link}"},
	{cat: CategorySpamLink, on: public | dm, text: "Félicitations, vous avez été tiré·e au sort 🎉 Réclamez votre carte cadeau de 500 € ici : {link}"},
	{cat: CategorySpamLink, on: public | reply, text: "Coucou, je revends mes capsules à moitié prix, tout est là : {link}"},
	// Crypto and follower scams.
	{cat: CategorySpamScam, on: public | reply | dm, text: "J'ai transformé 500 € en 12 000 € en trois semaines grâce au trading crypto. Écrivez à mon mentor sur WhatsApp, il m'a changé la vie 🙏💰"},
	{cat: CategorySpamScam, on: public | dm, text: "💸 Investissement Bitcoin garanti : +30 % par semaine. Contactez-moi en privé pour commencer."},
	{cat: CategorySpamScam, on: public | reply | dm, text: "Boostez votre compte ! 10 000 abonnés réels pour 9,99 € 🚀 {scamlink}"},
	{cat: CategorySpamScam, on: public | reply, text: "Tu veux plus de followers ? Écris « GO » en MP et je t'explique tout 😉"},
	{cat: CategorySpamScam, on: public | reply, text: "Ma tante a gagné 4 000 € en 48 h avec cette plateforme, j'hallucine encore : {scamlink}"},
	{cat: CategorySpamScam, on: public | dm, text: "Achetez des likes et des abonnés pas chers, livraison instantanée : {scamlink}"},
	// Spam without links.
	{cat: CategorySpam, on: public | reply, text: "Suivez-moi, je suis en retour 💯💯💯"},
	{cat: CategorySpam, on: public, text: "Premier !!! 🥇"},
	{cat: CategorySpam, on: public | reply, text: "Passez voir mon profil, je fais des concours toutes les semaines 🎁🎁"},
	{cat: CategorySpam, on: public | dm, text: "PROMO PROMO PROMO écrivez-moi en privé"},

	// Insults.
	{cat: CategoryToxicInsult, on: public | reply, text: "Bande d'incapables. Vous êtes vraiment les pires."},
	{cat: CategoryToxicInsult, on: public | dm, text: "Vous êtes des escrocs, ni plus ni moins."},
	{cat: CategoryToxicInsult, on: public | reply, text: "Quelle marque de guignols, sérieux."},
	{cat: CategoryToxicInsult, on: public, text: "Le community manager qui a écrit ça est vraiment un abruti."},
	{cat: CategoryToxicInsult, on: reply, text: "T'es vraiment lourd, si t'es pas content va voir ailleurs."},
	{cat: CategoryToxicInsult, on: reply, text: "Personne t'a demandé ton avis, espèce de tocard."},
	// Insults written to slip past word lists.
	{cat: CategoryToxicObfuscated, on: public | reply, text: "Vous êtes vraiment des c0nn@rds, rendez-moi mon argent."},
	{cat: CategoryToxicObfuscated, on: public | reply, text: "Bande de b*tards, trois semaines pour un colis."},
	{cat: CategoryToxicObfuscated, on: public | dm, text: "Service client de m€rde, comme d'hab."},
	{cat: CategoryToxicObfuscated, on: public | reply, text: "Quelle bande d'e.n.f.o.i.r.é.s, sérieux."},
	{cat: CategoryToxicObfuscated, on: reply, text: "T'es vraiment un gros c o n toi."},
	// Threats.
	{cat: CategoryToxicThreat, on: public | dm, text: "Si je n'ai pas mon remboursement demain, je viens à la boutique de {city} et ça va très mal se passer."},
	{cat: CategoryToxicThreat, on: public | dm, text: "Je sais où travaille votre directeur. Qu'il fasse attention à lui."},
	{cat: CategoryToxicThreat, on: public, text: "Continuez comme ça et je vais finir par casser la vitrine de votre boutique à {city}."},
	{cat: CategoryToxicThreat, on: public | reply, text: "Le livreur a intérêt à ne plus jamais remettre les pieds dans ma rue."},

	// Personal data written in the open.
	{cat: CategoryPersonalData, on: public | dm, text: "Bonjour, je n'ai toujours rien reçu. Voici mon mail : {email}, et mon numéro : {phone}. Rappelez-moi svp."},
	{cat: CategoryPersonalData, on: public | dm, text: "Commande {order} au nom de {fullname}, livraison au {address}. Toujours rien."},
	{cat: CategoryPersonalData, on: public | dm, text: "Vous pouvez me joindre au {phone} entre 12 h et 14 h, c'est urgent."},
	{cat: CategoryPersonalData, on: public | dm, text: "Voici mon IBAN pour le remboursement : {iban}"},
	{cat: CategoryPersonalData, on: public, text: "Mon adresse mail c'est {email}, contactez-moi directement plutôt qu'ici."},
	{cat: CategoryPersonalData, on: dm, text: "Je suis {fullname}, né{ae} le {birthdate}, client{ae} depuis 2019 : pourquoi mon compte est-il bloqué ?"},

	// Reviews.
	{cat: CategoryPraise, on: review, stars: 5, text: "{le:a} : prise en main immédiate et résultat au top. Je recommande les yeux fermés."},
	{cat: CategoryPraise, on: review, stars: 5, text: "Boutique de {city} très accueillante, café délicieux et pâtisseries maison. On reviendra !"},
	{cat: CategoryPraise, on: review, stars: 4, text: "Livraison rapide, produit conforme. Rien à redire."},
	{cat: CategoryPraise, on: review, stars: 4, text: "Très bon rapport qualité-prix. Petit bémol sur la notice, un peu confuse, mais sinon parfait."},
	{cat: CategoryComplaint, on: review, stars: 1, text: "Une étoile parce qu'on ne peut pas mettre zéro. {le:a} a lâché au bout de {n} mois."},
	{cat: CategoryComplaint, on: review, stars: 2, text: "Produit correct mais service après-vente catastrophique. À éviter."},
	{cat: CategoryComplaint, on: review, stars: 1, text: "Café trop amer, emballage abîmé et aucune réponse à mon mail. Déçu{ae}."},
	{cat: CategoryComplaint, on: review, stars: 3, text: "Le café est bon, mais attente interminable en boutique à {city} et personnel débordé. Dommage."},

	// Answers of a customer to the brand's reply (topic: what they had written).
	{cat: CategoryPraise, on: followup, topic: "question", text: "Merci pour la réponse !"},
	{cat: CategoryPraise, on: followup, topic: "question", text: "Parfait, merci pour l'info 👍"},
	{cat: CategoryPraise, on: followup, topic: "question", text: "Super, c'est noté. Bonne journée !"},
	{cat: CategoryComplaint, on: followup, topic: "question", text: "Ça ne répond pas vraiment à ma question…"},
	{cat: CategoryComplaint, on: followup, topic: "question", text: "Donc toujours pas de date ? 🙄"},
	{cat: CategoryPraise, on: followup, topic: "complaint", text: "Merci pour votre réponse rapide, c'est réglé !"},
	{cat: CategoryPraise, on: followup, topic: "complaint", text: "Super, merci beaucoup. Je vous envoie ça en privé."},
	{cat: CategoryPraise, on: followup, topic: "complaint", text: "Top, merci pour le geste commercial 🙏"},
	{cat: CategoryComplaint, on: followup, topic: "complaint", text: "Toujours rien reçu malgré votre réponse…"},
	{cat: CategoryComplaint, on: followup, topic: "complaint", text: "Réponse copiée-collée, merci pour rien."},
	{cat: CategoryComplaint, on: followup, topic: "complaint", text: "On verra bien, mais je n'y crois plus trop."},

	// Crisis: delivery delays.
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Commande {order} passée il y a {days} jours, toujours rien, et le suivi ne bouge plus. Il se passe quoi chez {brand} ?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Moi aussi, colis bloqué depuis une semaine. Vous avez un problème avec votre transporteur ?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Apparemment on est des centaines dans ce cas. Communiquez, au moins !"},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Plus de {days} jours pour une livraison « express ». Je veux être remboursé{ae}, point."},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Tous les colis {brand} sont bloqués à l'entrepôt ou quoi ? Personne ne répond au téléphone."},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Troisième fois que la date de livraison est repoussée. Je n'ai plus confiance."},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Payé la livraison express, reçu… rien. Bravo."},
	// Crisis: leaking pods.
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Les nouvelles capsules Intenso fuient dans la machine ! Il y a du café partout sur le plan de travail."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Même chose ici : deux boîtes de capsules Intenso, la moitié percées. Problème de fabrication ?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Ma machine Aurore est bloquée depuis qu'une capsule Intenso a éclaté dedans. Qui paie la réparation ?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Vous comptez rappeler le lot de capsules défectueuses, ou il faut attendre que toutes les machines y passent ?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Goût de plastique brûlé avec les dernières capsules. J'ai tout jeté."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Je vois que je ne suis pas seul{ae}… Les capsules du dernier lot sont défectueuses, c'est évident."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "{brand}, un communiqué sur les capsules qui fuient, c'est pour quand ?"},
	// Crisis: app and payment outage.
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "L'appli {brand} plante à chaque paiement depuis ce matin. J'ai été débité{ae} trois fois !"},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "Impossible de me connecter à mon compte depuis hier soir. Et mes points fidélité, ils sont passés où ?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "Triple prélèvement sur mon compte à cause de votre appli. Remboursez-moi immédiatement."},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "Le site et l'appli sont en panne depuis {hours} heures, et pas un mot sur vos réseaux ?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "Mon abonnement a été renouvelé deux fois ce mois-ci. Quelqu'un chez {brand} peut m'expliquer ?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "Message « paiement refusé », mais l'argent est bien parti de mon compte 🤬"},
	// Crisis: price rise.
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "+{pct} % sur l'abonnement Essentiel sans même un mail pour prévenir. Je résilie."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "Le paquet de Sidamo est passé de 12,90 € à 16,50 €. Vous vous moquez de nous ?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "Fidèle depuis des années, et voilà comment vous nous remerciez. Hausse de prix honteuse."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "Résiliation faite. Il y a d'autres torréfacteurs, et moins chers."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "Vous appelez ça un « ajustement tarifaire » ? C'est du vol."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "#Boycott{brandtag} tant que les prix ne redescendent pas."},
	// Crisis: whatever the topic.
	{cat: CategoryComplaint, on: crisis, text: "Je partage pour que ça remonte. {brand} doit réagir."},
	{cat: CategoryComplaint, on: crisis, text: "Le silence de {brand} est assourdissant."},
	{cat: CategoryComplaint, on: crisis, text: "Je relaie : même souci chez ma sœur et chez deux collègues."},
	{cat: CategoryToxicInsult, on: crisis, text: "Bande d'amateurs. Vous méritez ce qui vous arrive."},

	// A post going viral.
	{cat: CategoryChatter, on: viral, text: "Ce post tourne partout 😂 qui est là grâce à TikTok ?"},
	{cat: CategoryPurchaseIntent, on: viral, text: "{friend} il faut absolument qu'on teste !"},
	{cat: CategoryPraise, on: viral, text: "Le nouveau design est magnifique, j'en veux une en terracotta 😍"},
	{cat: CategoryChatter, on: viral, text: "Je ne comprends pas l'engouement, c'est juste du café…"},
	{cat: CategoryPurchaseIntent, on: viral, text: "Vu quinze fois dans mon fil aujourd'hui, vous avez gagné, je commande 😅"},
	{cat: CategoryPraise, on: viral, text: "Qui a fait la vidéo ? Le plan sur la mousse de lait, c'est de l'art."},
	{cat: CategoryQuestion, on: viral, text: "C'est une édition limitée ? Combien de pièces ?"},
	{cat: CategoryPraise, on: viral, text: "J'adore ! La plus belle machine que j'aie vue depuis des années 🔥"},
	{cat: CategoryPraise, on: viral, text: "Bravo à toute l'équipe, c'est magnifique ❤️"},
	{cat: CategoryPurchaseIntent, on: viral, text: "Je viens de commander la mienne, trop hâte 😍"},
	{cat: CategoryPurchaseIntent, on: viral, text: "{friend} regarde, le cadeau d'anniversaire parfait !"},
}

// The brand's own posts, which comments answer.
var brandPostsFR = []string{
	"Nouvelle récolte d'Éthiopie en boutique cette semaine : le Sidamo, notes de fruits rouges et de bergamote ☕️",
	"Vous êtes plutôt espresso serré ou grand allongé ? Dites-nous tout en commentaire 👇",
	"Atelier latte art samedi à la boutique de Lyon : les inscriptions sont ouvertes !",
	"Rappel : nos boutiques reprennent vos capsules usagées pour les recycler ♻️",
	"Concours 🎁 Gagnez un coffret Découverte : abonnez-vous et identifiez un ami amateur de café.",
	"Nouveau : l'abonnement Essentiel vous livre votre café fraîchement torréfié chaque mois, sans engagement.",
}

// The post a viral scenario starts from.
var viralPostFR = "☕️ La machine Aurore s'offre une édition limitée Terracotta. Disponible dès aujourd'hui, en boutique et en ligne !"
