package sandbox

// English traffic; placeholders as in templates_fr.go ({the:a} is "the
// Aurore espresso machine", {is:a} agrees with it).
var templatesEN = []template{
	// Questions.
	{cat: CategoryQuestion, on: public | dm, text: "Hi, when will {the:p} be back in stock? The site has said \"sold out\" for a week."},
	{cat: CategoryQuestion, on: public | dm, text: "Do you ship to Ireland? I'd like to send {an:p} to my sister in Dublin."},
	{cat: CategoryQuestion, on: public, text: "What's the difference between {the:a} and the old model? Trying to decide before payday 😅"},
	{cat: CategoryQuestion, on: public | dm, text: "Can I pick up an online order at the {city} shop?"},
	{cat: CategoryQuestion, on: public | dm, text: "How long is the warranty on {the:a}? Can't find it anywhere on your site."},
	{cat: CategoryQuestion, on: public | dm, text: "How do I cancel the Essential subscription? There's no button in the app."},
	{cat: CategoryQuestion, on: public, text: "Are your pods compostable? Trying to cut down on waste at home 🌱"},
	{cat: CategoryQuestion, on: public, text: "Do you run tasting workshops in {city}? Would make a great gift."},
	{cat: CategoryQuestion, on: public | dm, text: "My order {order} has said \"dispatched\" for {days} days now. Is that normal?"},
	{cat: CategoryQuestion, on: public, text: "Does the Aurore take ground coffee too, or only pods?"},
	{cat: CategoryQuestion, on: public, text: "What are the opening hours of the {city} shop on Sundays?"},
	{cat: CategoryQuestion, on: public | dm, text: "Quick one: does the newsletter discount code work on {the:p}?"},
	{cat: CategoryQuestion, on: public, text: "Any decaf that actually tastes of something? Asking for my pregnant wife who is losing hope 😂"},
	{cat: CategoryQuestion, on: public, text: "How long do whole beans stay fresh once the bag is open?"},
	{cat: CategoryQuestion, on: public | dm, text: "Can I pay for {the:a} in instalments?"},
	{cat: CategoryQuestion, on: dm, text: "Hi, I never got the confirmation email for order {order}. Could you check on your side?"},
	{cat: CategoryQuestion, on: dm, text: "Hello, I write for a local paper in {city}. Who could I talk to about your shops for a feature?"},
	{cat: CategoryQuestion, on: reply, text: "Wondering the same thing, did anyone get an answer?"},

	// Complaints.
	{cat: CategoryComplaint, on: public | dm, text: "Order {order} still hasn't arrived after {days} days and nobody answers at customer service. Unacceptable."},
	{cat: CategoryComplaint, on: public | dm, text: "{my:a} broke down after three months. For the price I expected a lot better."},
	{cat: CategoryComplaint, on: public, text: "Third damaged parcel in two months. Could you please look at your packaging?"},
	{cat: CategoryComplaint, on: public | dm, text: "I was charged twice for the same subscription and I'm still waiting for the refund."},
	{cat: CategoryComplaint, on: public, text: "Really disappointed with {the:g}, the taste is nothing like it used to be."},
	{cat: CategoryComplaint, on: public, text: "40 minutes on hold so far. When exactly are you reachable?"},
	{cat: CategoryComplaint, on: public, text: "The {city} shop was closed at 3pm on a Saturday even though the website says open till 7. Wasted trip."},
	{cat: CategoryComplaint, on: public, text: "The new Intenso blend is undrinkable. Did you change supplier or what?"},
	{cat: CategoryComplaint, on: public, text: "App down again this morning, can't check out. Getting really tiresome."},
	{cat: CategoryComplaint, on: public, text: "Delivery was due yesterday and the driver marked me \"not home\" when I was in all day 🙄"},
	{cat: CategoryComplaint, on: public | dm, text: "{my:w} has been leaking from the bottom since I descaled it, and I followed the manual to the letter."},
	{cat: CategoryComplaint, on: public, text: "Another subscription price rise? +{pct}% in a year is taking the mick."},
	{cat: CategoryComplaint, on: public, text: "No reply to my email in {days} days. Is this your \"premium customer service\"?"},
	{cat: CategoryComplaint, on: public | dm, text: "Got {an:c} instead of what I ordered, and I have to pay for the return?!"},
	{cat: CategoryComplaint, on: public, text: "The guy at the {city} shop was really rude when I asked for a goodwill gesture. Not impressed."},
	{cat: CategoryComplaint, on: dm, text: "Hi, messaging privately so I don't air this in public: order {order} arrived open with half the items missing."},
	{cat: CategoryComplaint, on: dm, text: "Hello again, still no answer to my message from yesterday. Can someone take a look?"},
	{cat: CategoryComplaint, on: reply, text: "Same here, been waiting {days} days…"},
	{cat: CategoryComplaint, on: reply, text: "Same! I ended up calling and had to push hard to get a refund."},
	{cat: CategoryComplaint, on: reply, text: "+1, had exactly the same issue with {the:a}."},
	{cat: CategoryComplaint, on: reply, text: "You're not alone 😩 same thing at mine since last week."},

	// Praise.
	{cat: CategoryPraise, on: public, text: "{my:a} arrived this morning and it's pure joy ☕️ Thank you {brand}!"},
	{cat: CategoryPraise, on: public, text: "Shout-out to {agent} at the {city} shop for the advice, you can tell they love what they do!"},
	{cat: CategoryPraise, on: public, text: "The Sidamo is incredible. Red fruit notes, exactly as it says on the bag."},
	{cat: CategoryPraise, on: public, text: "Brilliant customer service: parcel lost, new one sent within 48 hours, no questions asked 👏"},
	{cat: CategoryPraise, on: public, text: "Had {my:a} for {n} years and {it:a} still {works:a} like day one."},
	{cat: CategoryPraise, on: public, text: "Gave my dad the Discovery box for his birthday: huge hit!"},
	{cat: CategoryPraise, on: public, text: "Finally a brand that takes used pods back in store. Keep it up 💚"},
	{cat: CategoryPraise, on: public, text: "Best cappuccino in {city}, by a mile. Lovely team too."},
	{cat: CategoryPraise, on: public, text: "Next-day delivery, perfect packaging, nothing to complain about."},
	{cat: CategoryPraise, on: public, text: "Thought the decaf would be bland. I was wrong. Recommend!"},
	{cat: CategoryPraise, on: public, text: "{the:a} is my best purchase this year. Even my tea-addicted flatmate has converted."},
	{cat: CategoryPraise, on: public, text: "Hats off for the new app, so much smoother than before."},
	{cat: CategoryPraise, on: reply, text: "Weird, never had a single problem in {n} years."},
	{cat: CategoryPraise, on: reply, text: "Honestly they've always refunded me quickly. Use the online form."},

	// Purchase intent.
	{cat: CategoryPurchaseIntent, on: public, text: "Looking for a gift for my brother, is {the:p} worth it?"},
	{cat: CategoryPurchaseIntent, on: public, text: "I NEED this 😍 When is it available?"},
	{cat: CategoryPurchaseIntent, on: public | dm, text: "Any Black Friday deal on {the:a}? Waiting for that to take the plunge."},
	{cat: CategoryPurchaseIntent, on: public | dm, text: "Planning to order two Discovery boxes for Christmas, is delivery before the 24th guaranteed?"},
	{cat: CategoryPurchaseIntent, on: public, text: "{friend} look, that's {the:a} I told you about! Shall we get one for the flat?"},
	{cat: CategoryPurchaseIntent, on: public, text: "Right, ordering tonight. Which grind for a moka pot?"},
	{cat: CategoryPurchaseIntent, on: public, text: "Is it in the {city} shop or online only? I'd like to see it before buying."},
	{cat: CategoryPurchaseIntent, on: public | dm, text: "Do you do gift cards? I'd like to get a £50 one for a colleague who's retiring."},
	{cat: CategoryPurchaseIntent, on: dm, text: "Hi, we're a 25-person company in {city}. Do you have offers for kitting out an office?"},

	// Conversation.
	{cat: CategoryChatter, on: public | reply, text: "{friend} did you see this? Reminds me of our Monday coffee break 😂"},
	{cat: CategoryChatter, on: public | reply, text: "I always have it with a splash of oat milk, try it!"},
	{cat: CategoryChatter, on: public, text: "Anyone tried a fine grind with the Douce brewer?"},
	{cat: CategoryChatter, on: public | reply, text: "Haha that photo 😄"},
	{cat: CategoryChatter, on: public, text: "Not gonna lie, I don't speak to anyone before my first coffee."},
	{cat: CategoryChatter, on: public, text: "Team espresso or team americano? ☕"},
	{cat: CategoryChatter, on: reply, text: "My nan had the exact same mug!"},
	{cat: CategoryChatter, on: public | reply, text: "Who else drinks their coffee cold because they forgot it on the desk? 🙋"},
	{cat: CategoryChatter, on: reply, text: "Try descaling it, fixed everything for me."},
	{cat: CategoryChatter, on: reply, text: "In my experience they answer DMs much faster than email."},
	{cat: CategoryChatter, on: reply, text: "You can ask for an exchange in store, they did it for me no problem."},

	// Spam with links.
	{cat: CategorySpamLink, on: public | reply | dm, text: "🔥 70% OFF all coffee machines, today only 👉 {link}"},
	{cat: CategorySpamLink, on: public | reply, text: "Win an Aurore machine! Just click here before midnight: {link} 🎁"},
	{cat: CategorySpamLink, on: public | dm, text: "Paying too much for coffee? The trick brands hate 👉 {link}"},
	{cat: CategorySpamLink, on: public | dm, text: "Congratulations, you've been selected 🎉 Claim your $500 gift card here: {link}"},
	{cat: CategorySpamLink, on: public | reply, text: "Selling my pods at half price, all here: {link}"},
	// Crypto and follower scams.
	{cat: CategorySpamScam, on: public | reply | dm, text: "I turned $500 into $12,000 in three weeks trading crypto. Message my mentor on WhatsApp, he changed my life 🙏💰"},
	{cat: CategorySpamScam, on: public | dm, text: "💸 Guaranteed Bitcoin returns: +30% a week. DM me to get started."},
	{cat: CategorySpamScam, on: public | reply | dm, text: "Grow your account! 10,000 real followers for $9.99 🚀 {scamlink}"},
	{cat: CategorySpamScam, on: public | reply, text: "Want more followers? Comment \"GO\" and I'll DM you the secret 😉"},
	{cat: CategorySpamScam, on: public | reply, text: "My aunt made $4,000 in 48 hours on this platform, still can't believe it: {scamlink}"},
	{cat: CategorySpamScam, on: public | dm, text: "Cheap likes and followers, instant delivery: {scamlink}"},
	// Spam without links.
	{cat: CategorySpam, on: public | reply, text: "Follow me, I follow back 💯💯💯"},
	{cat: CategorySpam, on: public, text: "First!!! 🥇"},
	{cat: CategorySpam, on: public | reply, text: "Check out my profile, giveaways every week 🎁🎁"},
	{cat: CategorySpam, on: public | dm, text: "PROMO PROMO PROMO message me"},

	// Insults.
	{cat: CategoryToxicInsult, on: public | reply, text: "Bunch of incompetent clowns. You're the worst."},
	{cat: CategoryToxicInsult, on: public | dm, text: "You're crooks, plain and simple."},
	{cat: CategoryToxicInsult, on: public | reply, text: "What a joke of a company, seriously."},
	{cat: CategoryToxicInsult, on: public, text: "Whoever runs this account is a complete idiot."},
	{cat: CategoryToxicInsult, on: reply, text: "You're so annoying, if you don't like it go somewhere else."},
	{cat: CategoryToxicInsult, on: reply, text: "Nobody asked for your opinion, you muppet."},
	// Obfuscated insults.
	{cat: CategoryToxicObfuscated, on: public | reply, text: "You're a bunch of @ssh0les, give me my money back."},
	{cat: CategoryToxicObfuscated, on: public | reply, text: "Three weeks for a parcel, f*cking useless."},
	{cat: CategoryToxicObfuscated, on: public | dm, text: "Sh1t customer service as usual."},
	{cat: CategoryToxicObfuscated, on: public | reply, text: "What a bunch of m.o.r.o.n.s, honestly."},
	{cat: CategoryToxicObfuscated, on: reply, text: "You're such a d i c k mate."},
	// Threats.
	{cat: CategoryToxicThreat, on: public | dm, text: "If I don't get my refund tomorrow I'm coming to the {city} shop and it won't end well."},
	{cat: CategoryToxicThreat, on: public | dm, text: "I know where your CEO works. He'd better watch his back."},
	{cat: CategoryToxicThreat, on: public, text: "Keep this up and I'll put a brick through your {city} shop window."},
	{cat: CategoryToxicThreat, on: public | reply, text: "That driver better never show his face on my street again."},

	// Personal data.
	{cat: CategoryPersonalData, on: public | dm, text: "Still nothing. My email is {email} and my number is {phone}, please call me back."},
	{cat: CategoryPersonalData, on: public | dm, text: "Order {order} for {fullname}, delivery to {address}. Still nothing."},
	{cat: CategoryPersonalData, on: public | dm, text: "You can reach me on {phone} between 12 and 2, it's urgent."},
	{cat: CategoryPersonalData, on: public | dm, text: "Here are my bank details for the refund: {iban}"},
	{cat: CategoryPersonalData, on: public, text: "My email is {email}, contact me directly instead of here."},
	{cat: CategoryPersonalData, on: dm, text: "I'm {fullname}, date of birth {birthdate}, customer since 2019: why has my account been locked?"},

	// Reviews.
	{cat: CategoryPraise, on: review, stars: 5, text: "{the:a}: easy to use and great results. Highly recommend."},
	{cat: CategoryPraise, on: review, stars: 5, text: "Really welcoming shop in {city}, delicious coffee and homemade pastries. We'll be back!"},
	{cat: CategoryPraise, on: review, stars: 4, text: "Fast delivery, exactly as described. No complaints."},
	{cat: CategoryPraise, on: review, stars: 4, text: "Great value. Manual is a bit confusing, otherwise perfect."},
	{cat: CategoryComplaint, on: review, stars: 1, text: "One star because zero isn't an option. {the:a} died after {n} months."},
	{cat: CategoryComplaint, on: review, stars: 2, text: "Product is fine but the after-sales service is a disaster. Avoid."},
	{cat: CategoryComplaint, on: review, stars: 1, text: "Coffee too bitter, damaged packaging and no answer to my email."},
	{cat: CategoryComplaint, on: review, stars: 3, text: "Good coffee, but endless queue at the {city} shop and staff run off their feet. Shame."},

	// Answers of a customer to the brand's reply (topic: what they had written).
	{cat: CategoryPraise, on: followup, topic: "question", text: "Thanks for the answer!"},
	{cat: CategoryPraise, on: followup, topic: "question", text: "Perfect, thanks for the info 👍"},
	{cat: CategoryPraise, on: followup, topic: "question", text: "Great, noted. Have a good day!"},
	{cat: CategoryComplaint, on: followup, topic: "question", text: "That doesn't really answer my question…"},
	{cat: CategoryComplaint, on: followup, topic: "question", text: "So still no date then? 🙄"},
	{cat: CategoryPraise, on: followup, topic: "complaint", text: "Thanks for the quick reply, all sorted!"},
	{cat: CategoryPraise, on: followup, topic: "complaint", text: "Great, thank you. Sending you the details by DM."},
	{cat: CategoryPraise, on: followup, topic: "complaint", text: "Brilliant, thanks for the goodwill gesture 🙏"},
	{cat: CategoryComplaint, on: followup, topic: "complaint", text: "Still nothing despite your reply…"},
	{cat: CategoryComplaint, on: followup, topic: "complaint", text: "Copy-paste answer, thanks for nothing."},
	{cat: CategoryComplaint, on: followup, topic: "complaint", text: "We'll see, but I'm not holding my breath."},

	// Crisis: delivery delays.
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Ordered {days} days ago ({order}), nothing, and tracking hasn't moved. What's going on at {brand}?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Me too, parcel stuck for a week. Problem with your courier?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Looks like hundreds of us are in the same boat. At least communicate!"},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "{days} days for \"express\" delivery. I want a refund, full stop."},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Are all {brand} parcels stuck in the warehouse or what? Nobody picks up the phone."},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Third time my delivery date got pushed back. I've lost all trust."},
	{cat: CategoryComplaint, on: crisis, topic: TopicDelivery, text: "Paid for express delivery, received… nothing. Well done."},
	// Crisis: leaking pods.
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "The new Intenso pods leak inside the machine! Coffee all over the counter."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Same here: two boxes of Intenso pods, half of them punctured. Manufacturing fault?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "My Aurore is jammed since an Intenso pod burst inside it. Who pays for the repair?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Are you recalling the faulty batch of pods, or do we wait until every machine is ruined?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Burnt plastic taste with the latest pods. Binned the lot."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "Glad it's not just me… the latest batch of pods is clearly faulty."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPods, text: "{brand}, when is the statement about the leaking pods coming?"},
	// Crisis: app and payment outage.
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "The {brand} app crashes at every payment since this morning. I've been charged three times!"},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "Can't log in to my account since last night. And where have my loyalty points gone?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "Charged three times because of your app. Refund me immediately."},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "Site and app down for {hours} hours and not a word on your socials?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "My subscription renewed twice this month. Can anyone at {brand} explain?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicApp, text: "\"Payment declined\" but the money has left my account 🤬"},
	// Crisis: price rise.
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "+{pct}% on the Essential subscription without even an email. Cancelling."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "A bag of Sidamo went from £10.90 to £13.90. Are you having a laugh?"},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "Loyal for years and this is how you thank us. Shameful price rise."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "Cancelled. There are other roasters, and cheaper ones."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "You call it a \"price adjustment\"? It's daylight robbery."},
	{cat: CategoryComplaint, on: crisis, topic: TopicPrice, text: "#Boycott{brandtag} until prices come back down."},
	// Crisis: whatever the topic.
	{cat: CategoryComplaint, on: crisis, text: "Sharing so this gets seen. {brand} needs to respond."},
	{cat: CategoryComplaint, on: crisis, text: "The silence from {brand} is deafening."},
	{cat: CategoryComplaint, on: crisis, text: "Same problem for my sister and two colleagues."},
	{cat: CategoryToxicInsult, on: crisis, text: "Bunch of amateurs. You deserve everything coming to you."},

	// A post going viral.
	{cat: CategoryChatter, on: viral, text: "This post is everywhere 😂 who's here from TikTok?"},
	{cat: CategoryPurchaseIntent, on: viral, text: "{friend} we HAVE to try this!"},
	{cat: CategoryPraise, on: viral, text: "The new design is gorgeous, I want one in terracotta 😍"},
	{cat: CategoryChatter, on: viral, text: "I don't get the hype, it's just coffee…"},
	{cat: CategoryPurchaseIntent, on: viral, text: "Seen this fifteen times on my feed today, you win, ordering now 😅"},
	{cat: CategoryPraise, on: viral, text: "Who made the video? That milk foam shot is art."},
	{cat: CategoryQuestion, on: viral, text: "Is it a limited edition? How many are there?"},
}

var brandPostsEN = []string{
	"New harvest from Ethiopia in store this week: Sidamo, with notes of red fruit and bergamot ☕️",
	"Short and strong or long and mellow? Tell us in the comments 👇",
	"Latte art workshop this Saturday at our London shop: sign-ups are open!",
	"Reminder: our shops take back your used pods for recycling ♻️",
	"Giveaway 🎁 Win a Discovery box: follow us and tag a coffee-loving friend.",
	"New: the Essential subscription delivers freshly roasted coffee every month, cancel anytime.",
}

var viralPostEN = "☕️ The Aurore espresso machine now comes in a limited Terracotta edition. Available today, in store and online!"
