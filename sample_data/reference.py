"""Static catalogues: countries, currencies, campaigns, names, enums.

Everything here is plain data in a fixed order, so iteration order never depends on hashing.
"""

from __future__ import annotations

# code -> (ISO-4217 exponent, units per USD at the start of the window)
CURRENCIES: dict[str, tuple[int, float]] = {
    "USD": (2, 1.0),
    "EUR": (2, 0.92),
    "GBP": (2, 0.79),
    "JPY": (0, 151.0),
    "KWD": (3, 0.307),
    "BRL": (2, 5.05),
    "INR": (2, 83.2),
    "CAD": (2, 1.36),
    "AUD": (2, 1.53),
    "MXN": (2, 17.1),
}
CURRENCY_CODES: list[str] = list(CURRENCIES)
CUR_INDEX = {c: i for i, c in enumerate(CURRENCY_CODES)}
CUR_EXP = [CURRENCIES[c][0] for c in CURRENCY_CODES]
CUR_PER_USD = [CURRENCIES[c][1] for c in CURRENCY_CODES]
# "Nice" rounding step of a top-up, in major units.
CUR_NICE_STEP = {"JPY": 100.0, "INR": 10.0, "MXN": 10.0, "KWD": 0.5}

BAD_CURRENCIES = ["XYZ", "??", "EURO", "US"]

# code, weight, currency, [(time zone, weight)], phone style, calling code, email domains
COUNTRIES: list[tuple] = [
    (
        "US",
        0.27,
        "USD",
        [
            ("America/Los_Angeles", 0.30),
            ("America/Denver", 0.07),
            ("America/Phoenix", 0.05),
            ("America/Chicago", 0.25),
            ("America/New_York", 0.33),
        ],
        "nanp",
        "1",
        ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com"],
    ),
    (
        "GB",
        0.13,
        "GBP",
        [("Europe/London", 1.0)],
        "gb",
        "44",
        ["gmail.com", "hotmail.co.uk", "outlook.com", "btinternet.com", "icloud.com"],
    ),
    (
        "DE",
        0.08,
        "EUR",
        [("Europe/Berlin", 1.0)],
        "eu",
        "49",
        ["gmail.com", "web.de", "gmx.de", "t-online.de"],
    ),
    (
        "FR",
        0.06,
        "EUR",
        [("Europe/Paris", 1.0)],
        "eu",
        "33",
        ["gmail.com", "orange.fr", "free.fr", "laposte.net"],
    ),
    ("ES", 0.04, "EUR", [("Europe/Madrid", 1.0)], "eu", "34", ["gmail.com", "hotmail.es"]),
    ("IT", 0.03, "EUR", [("Europe/Rome", 1.0)], "eu", "39", ["gmail.com", "libero.it"]),
    ("NL", 0.03, "EUR", [("Europe/Amsterdam", 1.0)], "eu", "31", ["gmail.com", "ziggo.nl"]),
    (
        "BR",
        0.08,
        "BRL",
        [("America/Sao_Paulo", 1.0)],
        "br",
        "55",
        ["gmail.com", "hotmail.com", "uol.com.br"],
    ),
    (
        "IN",
        0.10,
        "INR",
        [("Asia/Kolkata", 1.0)],
        "in",
        "91",
        ["gmail.com", "yahoo.co.in", "rediffmail.com"],
    ),
    (
        "JP",
        0.05,
        "JPY",
        [("Asia/Tokyo", 1.0)],
        "jp",
        "81",
        ["gmail.com", "yahoo.co.jp", "docomo.ne.jp"],
    ),
    ("KW", 0.02, "KWD", [("Asia/Kuwait", 1.0)], "eu", "965", ["gmail.com", "hotmail.com"]),
    (
        "CA",
        0.05,
        "CAD",
        [("America/Toronto", 0.7), ("America/Vancouver", 0.3)],
        "nanp",
        "1",
        ["gmail.com", "outlook.com", "rogers.com"],
    ),
    (
        "AU",
        0.04,
        "AUD",
        [("Australia/Sydney", 0.7), ("Australia/Perth", 0.3)],
        "eu",
        "61",
        ["gmail.com", "bigpond.com"],
    ),
    ("MX", 0.02, "MXN", [("America/Mexico_City", 1.0)], "eu", "52", ["gmail.com", "hotmail.com"]),
]
COUNTRY_CODES = [c[0] for c in COUNTRIES]
# Where account-takeover crews and stolen cards come from (index into extra list below).
ATTACK_COUNTRIES = [
    ("NG", "Africa/Lagos"),
    ("RO", "Europe/Bucharest"),
    ("VN", "Asia/Ho_Chi_Minh"),
    ("ID", "Asia/Jakarta"),
    ("NP", "Asia/Kathmandu"),
]
STOLEN_CARD_COUNTRIES = ["US", "GB", "CA", "DE", "FR", "AU", "US", "US", "GB"]

# Search accounts: (IANA time zone, currency, [(campaign id, campaign name, utm_campaign)])
SEARCH_ACCOUNTS: list[tuple] = [
    (
        "America/Los_Angeles",
        "USD",
        [
            ("7310042881", "Brand, Exact - US", "brand_exact_us"),
            ("7310042907", "Generic - Marketplace - US", "generic_marketplace_us"),
            ("7310043150", "Competitor, Broad - US", "competitor_broad_us"),
        ],
    ),
    (
        "Europe/London",
        "GBP",
        [
            ("5528810034", "Brand, Exact - UK", "brand_exact_uk"),
            ("5528810112", "Generic - Sell Online - UK", "generic_sell_uk"),
        ],
    ),
    (
        "Asia/Tokyo",
        "JPY",
        [
            ("8841200567", "Brand - JP", "brand_jp"),
            ("8841200611", "Generic, Furima - JP", "generic_furima_jp"),
        ],
    ),
    (
        "Asia/Kolkata",
        "INR",
        [
            ("6620019930", "Generic - Wallet, Cashback - IN", "generic_wallet_in"),
        ],
    ),
]
SEARCH_UTM = [
    "Google",
    "google",
    "google_ads",
    "adwords",
    "GoogleAds",
    " google ",
    "gads",
    "Google-Ads",
]

# Social campaigns: (campaign id, name, utm_campaign, account currency)
SOCIAL_CAMPAIGNS: list[tuple] = [
    ("23851020411230017", "Prospecting, Lookalike 1% - EU", "prospecting_lal_eu", "EUR"),
    ("23851020411230544", "Retargeting - 30d viewers", "retargeting_30d", "EUR"),
    ("23851077712000123", "Prospecting - Broad - BR", "prospecting_broad_br", "BRL"),
    ("23851093300459981", "Creators, Reels - US", "creators_reels_us", "USD"),
    ("23851093300460077", "App Install - US, CA", "app_install_us_ca", "USD"),
]
SOCIAL_UTM = ["fb", "facebook", "FB-ads", "ig", "Facebook", "instagram", "fb_ads", "IG "]

# Affiliate partners: (partner id, name, currency, cost per install USD, fraud-friendly)
AFFILIATES: list[tuple] = [
    ("17", "CashBack Kings, Ltd.", "USD", 4.0, False),
    ("23", "Deal Finder Network", "EUR", 3.5, False),
    ("42", "Paisa Rewards", "INR", 1.2, False),
    ("58", "Bonus Hunters, Inc.", "USD", 5.0, True),
    ("64", "Student Perks (UK)", "GBP", 3.0, False),
]
AFFILIATE_UTM = ["partner_{p}", "Partner-{p}", "affiliate_{p}", "PARTNER_{p}", "partner_{p}"]

CHANNELS = ["paid_search", "paid_social", "affiliate", "referral", "organic"]
CH_SEARCH, CH_SOCIAL, CH_AFFILIATE, CH_REFERRAL, CH_ORGANIC = range(5)

TYPOLOGIES = ["bonus_farm", "card_testing", "account_takeover", "collusive_trading", "mule_cashout"]
GROUP_PREFIX = {
    "bonus_farm": "BF",
    "card_testing": "CT",
    "account_takeover": "ATO",
    "collusive_trading": "COL",
    "mule_cashout": "MULE",
}
ANALYST_TYPOLOGY_TEXT = {
    "bonus_farm": ["bonus abuse", "Bonus farming", "promo abuse - ring", "multi-accounting"],
    "card_testing": ["card testing", "Card testing / BIN attack", "carding"],
    "account_takeover": ["ATO", "account takeover", "Account Takeover - cred stuffing"],
    "collusive_trading": ["collusion", "wash trading", "Collusive trading ring"],
    "mule_cashout": ["mule", "money mule / cashout", "Mule network"],
}

FIRST_NAMES = [
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "david",
    "sarah",
    "daniel",
    "laura",
    "oliver",
    "emma",
    "lucas",
    "sofia",
    "liam",
    "mia",
    "noah",
    "ana",
    "arjun",
    "priya",
    "rahul",
    "ananya",
    "yuki",
    "haruto",
    "sakura",
    "ren",
    "lukas",
    "lena",
    "hugo",
    "chloe",
    "mateo",
    "lucia",
    "gabriel",
    "beatriz",
    "omar",
    "fatima",
    "ahmed",
    "layla",
    "jack",
    "amelia",
    "leo",
    "isla",
    "thomas",
    "julia",
    "felix",
    "marta",
    "diego",
    "camila",
]
LAST_NAMES = [
    "smith",
    "johnson",
    "brown",
    "garcia",
    "miller",
    "davis",
    "wilson",
    "taylor",
    "clark",
    "lewis",
    "walker",
    "young",
    "king",
    "wright",
    "lopez",
    "hill",
    "green",
    "patel",
    "sharma",
    "singh",
    "kumar",
    "tanaka",
    "suzuki",
    "sato",
    "mueller",
    "schmidt",
    "schneider",
    "martin",
    "bernard",
    "dubois",
    "rossi",
    "russo",
    "silva",
    "santos",
    "oliveira",
    "alsabah",
    "alenezi",
    "jansen",
    "devries",
    "evans",
    "roberts",
    "murphy",
    "kelly",
    "hernandez",
    "gonzalez",
    "moreno",
    "nguyen",
    "kim",
    "chen",
    "ali",
]
DISPOSABLE_DOMAINS = [
    "mailinator.com",
    "tempmail.dev",
    "guerrillamail.com",
    "sharklasers.com",
    "yopmail.com",
    "gmail.com",
    "gmail.com",
    "outlook.com",
]

EVENT_TYPES = [
    "app_open",
    "signup",
    "login",
    "login_failed",
    "password_reset",
    "payout_method_added",
    "kyc_submitted",
    "listing_viewed",
]
(
    EV_APP_OPEN,
    EV_SIGNUP,
    EV_LOGIN,
    EV_LOGIN_FAILED,
    EV_PASSWORD_RESET,
    EV_PAYOUT_METHOD,
    EV_KYC,
    EV_LISTING_VIEWED,
) = range(8)

DECLINE_CODES = [
    "insufficient_funds",
    "do_not_honor",
    "stolen_card",
    "incorrect_cvc",
    "expired_card",
]
CHARGEBACK_REASONS = ["fraudulent", "product_not_received", "duplicate", "other"]
TICKET_CATEGORIES = [
    "account_restricted",
    "payment_declined",
    "fraud_report",
    "bonus",
    "payout",
    "other",
]
RULES = {
    "signup": [
        "ip_velocity",
        "device_shared",
        "disposable_email",
        "email_pattern",
        "geo_mismatch",
        "subnet_velocity",
        "referral_chain",
        "emulator_fingerprint",
    ],
    "login": ["new_device", "new_country", "failed_login_burst", "impossible_travel", "proxy_ip"],
    "payment": [
        "card_velocity",
        "bin_velocity",
        "card_country_mismatch",
        "small_amount_burst",
        "many_cards_per_user",
        "high_amount",
        "cvc_failures",
    ],
    "payout": [
        "new_payout_method",
        "payout_after_password_reset",
        "rapid_cashout",
        "shared_payout_account",
        "bonus_then_payout",
        "high_amount",
    ],
}
CHECKPOINTS = ["signup", "login", "payment", "payout"]

GENERIC_DEVICE_IDS = [
    "0000000000000000c0ffee00deadbeef",
    "d41d8cd98f00b204e9800998ecf8427e",
    "ffffffffffffffff0000000000000001",
]

# Local-hour activity curve (0..23), used for signups and sessions.
DIURNAL = [
    0.20,
    0.12,
    0.08,
    0.06,
    0.06,
    0.10,
    0.25,
    0.45,
    0.60,
    0.70,
    0.75,
    0.80,
    0.85,
    0.85,
    0.80,
    0.80,
    0.85,
    0.95,
    1.00,
    1.00,
    0.95,
    0.80,
    0.60,
    0.35,
]
WEEKEND_BOOST = 1.3
