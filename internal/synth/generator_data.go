package synth

import (
	"strconv"
	"strings"
)

// The generator's vocabulary. These tables are read-only; they live at package level because they are
// constants in all but syntax, and every generator draws from them with its own seeded source.

// person is an agent or a colleague of the synthetic contact centre.
type person struct {
	id, name, ext string
}

// agentRoster names the desk's agents in the order they are taken. The first six (the default) mix
// ASCII, accented Latin and CJK names so that width handling is exercised from the first screen.
var agentRoster = [...]person{
	{"a.jones", "Alice Jones", "2101"},
	{"z.alund", "Zoë Ålund", "2102"},
	{"t.yamada", "山田 太郎", "2103"},
	{"m.garcia", "María García", "2104"},
	{"b.smith", "Bob Smith", "2105"},
	{"k.okafor", "Kemi Okafor", "2106"},
	{"l.nguyen", "Linh Nguyễn", "2107"},
	{"j.oconnor", "Jack O'Connor", "2108"},
	{"s.muller", "Sven Müller", "2109"},
	{"w.chen", "陈伟", "2110"},
	{"f.haddad", "Fatima Haddad", "2111"},
	{"p.kowalski", "Piotr Kowalski", "2112"},
}

// colleagues join calls as conference parties or transfer targets; internal ones carry a user id.
var colleagues = [...]struct {
	name, phone, userID string
}{
	{"Priya Raman (supervisor)", "2001", "u-sup-01"},
	{"Marco Bianchi (supervisor)", "2002", "u-sup-02"},
	{"Hannah Weiß (tier 2)", "2204", "u-2204"},
	{"陈杰 (tier 2)", "2205", "u-2205"},
	{"Claims desk", "+18005550199", ""},
	{"Spanish line", "+18005550177", ""},
	{"Interpreter 通訳", "+18005550188", ""},
}

// customer is someone who calls, chats or writes in.
type customer struct {
	name, mail, country string
}

var customers = [...]customer{
	{"Ann Lee", "ann.lee", "us"},
	{"Oliver Brown", "oliver.brown", "uk"},
	{"Søren Madsen", "soren.madsen", "de"},
	{"Chloé Martin", "chloe.martin", "fr"},
	{"José Álvarez", "jose.alvarez", "us"},
	{"李娜", "li.na", "jp"},
	{"佐藤 健", "ken.sato", "jp"},
	{"Mohammed Al-Farsi", "m.alfarsi", "uk"},
	{"Grace Kim", "grace.kim", "us"},
	{"Tomáš Novák", "tomas.novak", "de"},
	{"Emma Wilson", "emma.wilson", "us"},
	{"Lukas Schmidt", "lukas.schmidt", "de"},
	{"Ana Souza", "ana.souza", "us"},
	{"Kwame Mensah", "kwame.mensah", "uk"},
	{"Nguyễn Văn An", "an.nguyen", "us"},
	{"Fatma Yılmaz", "fatma.yilmaz", "de"},
	{"Mia Johansson", "mia.johansson", "uk"},
	{"박지민", "jimin.park", "jp"},
	{"Daniel Cohen", "daniel.cohen", "us"},
	{"Isabella Rossi", "isabella.rossi", "fr"},
}

var mailDomains = [...]string{"example.com", "example.org", "example.net", "mail.example"}

// service is a queue of the contact centre with its dialled number and what people contact it about.
type service struct {
	name, dnis, ivr string
	subjects        []string
	outcomes        []string
}

var services = [...]service{
	{"Sales", "+18005550142", "IVR: main > 1 (new orders)",
		[]string{"Upgrade to Fibre 1 Gbit", "Quote for 25 business seats", "Trade-in offer for old handset",
			"Ça marche avec mon routeur ?", "Bundle TV + mobile"},
		[]string{"Sale closed", "Quote sent", "Callback scheduled", "Not interested"}},
	{"Support", "+18005550143", "IVR: main > 2 > 1 (orders)",
		[]string{"Router keeps dropping Wi-Fi", "App crashes on login", "Package 📦 arrived damaged",
			"Where is my order? 注文 #A1234", "Password reset link expired"},
		[]string{"Resolved", "Replacement sent", "Escalated to tier 2", "Follow-up required"}},
	{"Billing", "+18005550144", "IVR: main > 3 (billing)",
		[]string{"Question about invoice 4471", "Double charge on card ending 0042", "Refund for order #55213",
			"請求書の金額が違います", "Change payment date"},
		[]string{"Refund issued", "Information provided", "Payment plan agreed", "Resolved"}},
	{"Retention", "+18005550145", "IVR: main > 4 (cancel)",
		[]string{"Wants to cancel contract", "Price increase complaint", "Moving abroad — pause service"},
		[]string{"Retained with discount", "Cancelled", "Callback scheduled"}},
	{"Technical Support", "+18005550146", "IVR: main > 2 > 3 (technical)",
		[]string{"No dial tone since storm", "VPN drops every 10 minutes", "Firmware update failed ⚠️"},
		[]string{"Resolved", "Technician booked", "Escalated to tier 2"}},
	{"Claims", "+18005550147", "IVR: main > 5 (claims)",
		[]string{"Claim CLM-20931 status", "Water damage photos attached", "Windscreen chip repair"},
		[]string{"Claim opened", "Information provided", "Follow-up required"}},
}

// callerID is the number outbound calls show to customers.
const callerID = "+18005550100"

var (
	notReadyReasons = [...]string{"Lunch", "Meeting", "Break", "Training", "Coaching", "Personal"}
	audioAlerts     = [...]string{"high jitter", "packet loss 8%", "low MOS 2.7", "one-way audio", "echo detected"}
	outboundOrigins = [...]string{"dialpad", "dialpad-search", "directory", "recent", "favorites",
		"contact-profile", "workitem", "integration-api"}
	noAnswerOutcomes = [...]string{"No answer", "Left voicemail", "Wrong number"}
	chatOpeners      = [...]string{"Hi, my order hasn't arrived yet", "Can I change my plan online?",
		"こんにちは、質問があります", "Is there an outage in my area?", "I was charged twice 😕"}
	mailOpeners = [...]string{"Please see the attached invoice.", "Following up on my call yesterday.",
		"I would like to cancel my subscription.", "Photos of the damage are attached.",
		"Bonjour, je n'ai pas reçu ma facture."}
	serverErrors = [...]struct {
		code        int
		name, about string
	}{
		{503, "ServiceUnavailable", "CRM lookup failed"},
		{500, "InternalServerError", "Recording service did not answer"},
		{504, "GatewayTimeout", "Directory search timed out"},
		{401, "Unauthorized", "Session token expired; renewed"},
		{409, "Conflict", "Activity record already saved"},
	}
	tiers     = [...]string{"bronze", "silver", "gold", "platinum"}
	languages = [...]string{"en", "de", "fr", "ja", "es"}
	usAreas   = [...]string{"212", "312", "415", "617", "206", "512", "303", "404"}
)

// pick returns a random element of a list.
func pick[T any](g *Generator, list []T) T { return list[g.rng.IntN(len(list))] }

// chance reports true with probability p.
func (g *Generator) chance(p float64) bool { return g.rng.Float64() < p }

// digits returns n random decimal digits.
func (g *Generator) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.rng.IntN(10))
	}
	return string(b)
}

// hex returns n random upper-case hexadecimal digits.
func (g *Generator) hex(n int) string {
	const set = "0123456789ABCDEF"
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.rng.IntN(len(set))]
	}
	return string(b)
}

// phone returns a number in the country's range reserved for fiction (555-01xx in North America,
// 020 7946 0xxx in London), so the demo never shows a real subscriber's number.
func (g *Generator) phone(country string) string {
	switch country {
	case "uk":
		return "+442079460" + g.digits(3)
	case "de":
		return "+49305550" + g.digits(4)
	case "fr":
		return "+3319900" + g.digits(4)
	case "jp":
		return "+81355550" + g.digits(3)
	}
	return "+1" + pick(g, usAreas[:]) + "55501" + g.digits(2)
}

// email returns an address for the customer at one of the documentation domains.
func (g *Generator) email(c customer) string {
	return c.mail + "@" + pick(g, mailDomains[:])
}

// uuid returns a random identifier shaped like a UUID (8-4-4-4-12 hex digits).
func (g *Generator) uuid() string {
	return strings.ToLower(g.hex(8) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(12))
}

// crmID returns an identifier shaped like a CRM record id with the record type's prefix.
func (g *Generator) crmID(prefix string) string { return prefix + "0" + g.hex(11) }

// attached returns the call-attached data a routing strategy would have set, two to five entries.
func (g *Generator) attached(svc service, cu customer) map[string]string {
	m := map[string]string{
		"account": "ACME-" + strconv.Itoa(100+g.rng.IntN(900)),
		"tier":    pick(g, tiers[:]),
	}
	if g.chance(0.6) {
		m["language"] = pick(g, languages[:])
	}
	if g.chance(0.5) {
		m["caseNumber"] = "000" + g.digits(5)
	}
	if g.chance(0.4) {
		m["customerSince"] = strconv.Itoa(2008 + g.rng.IntN(17))
	}
	if svc.name == "Sales" && g.chance(0.5) {
		m["campaign"] = "Spring renewals"
	}
	if cu.country != "us" && g.chance(0.5) {
		m["country"] = strings.ToUpper(cu.country)
	}
	return m
}

// associated returns the CRM records the desktop linked to the interaction, with a selection that is
// null, one id, or several ids, as the API allows.
func (g *Generator) associated(cu customer, att map[string]string) wireObjects {
	objs := wireObjects{List: []wireObject{}}
	if g.chance(0.15) {
		return objs // unknown caller: nothing linked, nothing selected
	}
	contact := wireObject{ID: g.crmID("003"), Type: "contact", DisplayName: cu.name, DisplayType: "Contact",
		CustomFields: map[string]string{"tier": att["tier"]}, Source: "salesforce"}
	objs.List = append(objs.List, contact)
	if cn := att["caseNumber"]; cn != "" {
		objs.List = append(objs.List, wireObject{ID: g.crmID("500"), Type: "case", DisplayName: "Case " + cn,
			DisplayType: "Case", Source: "salesforce"})
	}
	switch {
	case len(objs.List) > 1 && g.chance(0.3):
		objs.Selected = []string{objs.List[0].ID, objs.List[1].ID}
	case g.chance(0.7):
		objs.Selected = contact.ID
	}
	return objs
}
