package jirasim

// personName is a name part as shown in Jira and its ASCII form for email
// addresses.
type personName struct {
	display string
	ascii   string
}

var firstNames = []personName{
	{"Olivia", "olivia"}, {"Liam", "liam"}, {"Emma", "emma"}, {"Noah", "noah"},
	{"Amelia", "amelia"}, {"Oliver", "oliver"}, {"Sophia", "sophia"}, {"Elijah", "elijah"},
	{"Mia", "mia"}, {"James", "james"}, {"Harper", "harper"}, {"Lucas", "lucas"},
	{"Ava", "ava"}, {"Mateo", "mateo"}, {"Chloé", "chloe"}, {"José", "jose"},
	{"Zoë", "zoe"}, {"Łukasz", "lukasz"}, {"Søren", "soren"}, {"Ngọc Anh", "ngocanh"},
	{"Aoife", "aoife"}, {"Björn", "bjorn"}, {"Dương", "duong"}, {"Saoirse", "saoirse"},
	{"Priya", "priya"}, {"Arjun", "arjun"}, {"Wei", "wei"}, {"Yuki", "yuki"},
	{"Fatima", "fatima"}, {"Omar", "omar"}, {"Ana María", "anamaria"}, {"François", "francois"},
	{"Jürgen", "jurgen"}, {"Kwame", "kwame"}, {"Amara", "amara"}, {"Siobhán", "siobhan"},
	{"Mei", "mei"}, {"Hiroshi", "hiroshi"}, {"Olga", "olga"}, {"Dmitri", "dmitri"},
	{"Renée", "renee"}, {"Nikolaj", "nikolaj"}, {"Ingrid", "ingrid"}, {"Tomás", "tomas"},
	{"Leila", "leila"}, {"Mohammed", "mohammed"}, {"Chen", "chen"}, {"Isabella", "isabella"},
}

var lastNames = []personName{
	{"Smith", "smith"}, {"Johnson", "johnson"}, {"Williams", "williams"}, {"Brown", "brown"},
	{"Jones", "jones"}, {"García", "garcia"}, {"Miller", "miller"}, {"Davis", "davis"},
	{"Müller", "muller"}, {"Schmidt", "schmidt"}, {"Nguyễn", "nguyen"}, {"Kowalski", "kowalski"},
	{"O'Brien", "obrien"}, {"van der Berg", "vanderberg"}, {"Dubois", "dubois"}, {"Rossi", "rossi"},
	{"Søndergaard", "sondergaard"}, {"Yamamoto", "yamamoto"}, {"Tanaka", "tanaka"}, {"Kim", "kim"},
	{"Park", "park"}, {"Singh", "singh"}, {"Patel", "patel"}, {"Ivanova", "ivanova"},
	{"Novák", "novak"}, {"Horváth", "horvath"}, {"Öztürk", "ozturk"}, {"Mensah", "mensah"},
	{"Okafor", "okafor"}, {"Silva", "silva"}, {"Santos", "santos"}, {"Fernández", "fernandez"},
	{"Lindqvist", "lindqvist"}, {"Hämäläinen", "hamalainen"}, {"Walsh", "walsh"}, {"Murphy", "murphy"},
	{"Wang", "wang"}, {"Li", "li"}, {"Zhang", "zhang"}, {"de la Cruz", "delacruz"},
	{"MacDonald", "macdonald"}, {"Nakamura", "nakamura"}, {"Costa", "costa"}, {"Haddad", "haddad"},
}

// appNames are display names of app (bot) accounts seen on Jira Cloud sites.
var appNames = []string{
	"Automation for Jira", "Jira Service Management Widget", "Slack", "Microsoft Teams for Jira",
	"Trello", "Jira Outlook", "GitHub for Jira", "Bitbucket", "Opsgenie", "Statuspage",
	"Jira Spreadsheets", "Atlassian Assist", "Jira Cloud for Sheets", "Zoom for Jira",
}

var locales = []string{"en_US", "en_US", "en_US", "en_GB", "de_DE", "fr_FR", "ja_JP", "pt_BR", "es_ES", "en_AU"}

var timeZones = []string{
	"America/New_York", "America/Los_Angeles", "America/Chicago", "Europe/London",
	"Europe/Berlin", "Europe/Paris", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney",
	"America/Sao_Paulo", "Etc/UTC",
}

// departments and teamWords make generated group and project names.
var departments = []string{
	"eng", "Engineering", "ops", "sales", "Marketing", "finance", "HR", "legal",
	"support", "Customer Success", "design", "data", "security", "IT", "research",
}

var teamWords = []string{
	"alpha", "bravo", "payments", "checkout", "search", "mobile", "web", "platform",
	"identity", "billing", "infra", "analytics", "growth", "onboarding", "api", "core",
	"reporting", "ledger", "catalog", "shipping", "notifications", "compliance", "audit",
	"frontend", "backend", "ml", "warehouse", "edge", "storage", "network",
}

// specialGroupNames are names that break naive URL building, sorting and
// string handling: spaces, slashes, percent signs, reserved query characters
// and Unicode.
var specialGroupNames = []string{
	"R&D / Platform",
	"Ops 100% on-call",
	"Équipe Montréal",
	"研究開発チーム",
	"contractors (external)",
	"a+b=c?&d#e",
	"Ünïcödé ✓ team",
	"finance%2Fpayroll",
}

var categoryNames = []string{
	"Engineering", "Customer Support", "Marketing", "Finance", "Operations", "Research",
	"Internal Tools", "Legal & Compliance", "Data Platform", "Mobile", "Partners", "Archive",
}

var projectWords = []string{
	"Phoenix", "Atlas", "Nova", "Orion", "Payments", "Helpdesk", "Mercury", "Apollo",
	"Gemini", "Zephyr", "Kestrel", "Falcon", "Harbor", "Summit", "Beacon", "Compass",
	"Lighthouse", "Quartz", "Spruce", "Cobalt", "Onboarding", "Billing", "Analytics", "Roadmap",
}
