"""Synthetic Arizona campaign-finance batches in the landing format.

``generate_batch`` writes a folder of CSV files shaped like ``mdb-export`` output of the
Secretary of State export, quirks included (sentinel names, shifted addresses, names
without a last name, ZIP codes too long for the site's varchar(10), state spellings too
long for its varchar(2), duplicate contributions, amendments, IE targets that are names
without a committee, undated transactions, mixed date and boolean spellings), so that
imports and views can be tested and timed at production scale without the real file.

It covers every table the site has: the lookups (EntityTypes, TransactionTypes, Counties,
Parties, Offices, Cycles, Categories, ReportTypes, ReportNames), BallotMeasures (a fixed
``BALLOT_MEASURES`` rows), Names, Committees, Transactions, Reports and candidate_soi.
Apart from the intended quirks, every row satisfies the site's schema: each reference
names an existing row (NameGroupID, EntityTypeID, CountyID; every Committees NameID
column, party, office, county, cycle and BallotMeasureID, the latter set exactly for
ballot committees; Transactions CategoryID and ModifiesTransactionID; every Reports
reference, OriginalReportID pointing at an earlier report of the same committee;
candidate_soi Office is the exact name of an office), every NOT NULL column the site
fills from the export has a value (the five Reports dates, FilingDateTime with a time of
day; candidate_soi FilingDate; Transactions NameID, a sentinel counting as present), and
candidate_soi is unique on (Name, Office, FilingDate), a few candidates filing a second
statement for the same office. The intended quirks are the ones the site's schema cannot
hold as it stands: undated transactions, states like "AZ " or "az.", ZIP codes like
"85004-1234 5" (text stays within 50 characters).

Reports cover a period its type decides (a calendar quarter of 2000-2024, a calendar
year, part of a quarter, or one day), filed in the filing window that follows (3% late);
the four period dates are written in the mixed date spellings, FilingDateTime as
``2024-03-01 14:35:12`` or ``03/01/24 14:35:12``; CycleID is the cycle of the period's
year. Within a chunk, the reports that are not amendments are in filing order; an
amendment copies the committee, cycle, type, name and period of an earlier report of its
chunk, is filed later and comes after it.

Design reasons:

- Every large table is generated with numpy, vectorised, in chunks of ``CHUNK_ROWS`` rows
  and written as it is made, so memory stays bounded whatever the scale. Duplicates and
  amendments are copies of rows of the same chunk, placed after their source.
- Text values come from pools whose entries are already CSV fields (quoted when they hold
  a comma, a quote or a line break, inner quotes doubled); a row is then a plain join.
  NULL is written as nothing and an empty string as ``""``, since the source has both.
- Each table draws from its own child of ``SeedSequence(seed)``: a batch is a pure
  function of the arguments. Tables and quirks added later draw from children of their
  own, or from a stream after its earlier draws, so adding them changed no other value.
- candidate_soi.csv is written last: its presence means the batch is complete.

All shares below are of rows of the table concerned; counts that a test may rely on
(amendments, duplicates, IE, empty last names, shifted addresses, long ZIP codes, report
amendments, statement re-filings) are exact allocations, not coin flips, and the first
IE rows of a batch always cover the rare IE cases (two on one day, no date, no
IsForBenefit, a legacy target, a target whose name record two committees share) besides
their random occurrences.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sunshine_pipeline.imports.catalog import SOURCES

log = logging.getLogger(__name__)

CHUNK_ROWS = 100_000

INCOME_SHARE = 0.91
DUPLICATE_SHARE = 0.076
AMENDMENT_SHARE = 0.005
DELETED_SHARE = 0.01
REFUND_SHARE = 0.01
NEUTRAL_SHARE = 0.002
EMPTY_DATE_SHARE = 0.001
LEGACY_TARGET_SHARE = 0.10
IE_FOR_BENEFIT_SHARE = 0.60
IE_NO_BENEFIT_SHARE = 0.02
EMPTY_LAST_NAME_SHARE = 0.0004
SHIFTED_ADDRESS_SHARE = 0.0065
CANDIDATE_COMMITTEE_SHARE = 0.60
LONG_ZIP_SHARE = 0.0005
REPORT_AMENDMENT_SHARE = 0.05
SOI_REFILING_SHARE = 0.02
BALLOT_MEASURES = 60
MAX_CENTS = 2_560_000_000

NULL = ""
EMPTY = '""'

# Each file's header row, as the import catalog declares the export (columns the site does
# not store included).
HEADERS: dict[str, list[str]] = {s.file: s.export_headers for s in SOURCES}

SENTINEL_NAMES: dict[int, str] = {
    -7: "Multiple Vendors",
    -5: "Previous/Next Committee",
    -3: "Arizona Secretary of State",
    -2: "Citizens Clean Elections Commission",
    -1: "Multiple Contributors",
    0: "Invalid Name",
}

ENTITY_TYPES: list[str] = [
    "Individual", "Candidate", "Candidate Committee", "Political Action Committee",
    "Political Party", "Partnership", "Corporation", "Limited Liability Company",
    "Labor Organization", "Business", "Vendor", "Financial Institution", "Government Entity",
    "Tribal Entity", "Non-Profit Organization", "Segregated Fund",
    "Independent Expenditure Committee", "Ballot Measure Committee", "Recall Committee",
    "Exploratory Committee", "Out-of-State Committee", "Federal Committee",
    "Political Organization", "Standing Committee", "Association", "Sole Proprietorship",
    "Trust", "Estate", "Lender", "Unknown", "Candidate (Self)", "Candidate Spouse",
    "Family Member", "Committee Officer", "Treasurer", "Chairperson", "Designee", "Sponsor",
    "Caucus Committee", "Legislative Caucus", "Joint Fundraising Committee",
    "Slate Mailer Organization", "Other",
]
PERSON_ENTITY_TYPE_IDS = (1, 2)
ORGANISATION_ENTITY_TYPE_IDS = (6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 25, 26)
_SENTINEL_ENTITY_TYPE = {-7: 43, -5: 43, -3: 13, -2: 13, -1: 43, 0: 30}

TRANSACTION_TYPES: list[tuple[str, int]] = [
    ("Contribution from Individuals", 1),
    ("Contribution from Candidate", 1),
    ("Contribution from Candidate Committees", 1),
    ("Contribution from PACs", 1),
    ("Contribution from Political Parties", 1),
    ("Contribution from Businesses", 1),
    ("Contribution from Labor Organizations", 1),
    ("Contribution from Partnerships", 1),
    ("Earmarked Contribution from Individuals", 1),
    ("In-Kind Contribution from Individuals", 1),
    ("In-Kind Contribution from Organizations", 1),
    ("Loan Received", 1),
    ("Interest Earned", 1),
    ("Public Funding from Clean Elections", 1),
    ("Transfer from Previous Committee", 1),
    ("Refund of Contribution", 1),
    ("Rebate or Refund Received", 1),
    ("Aggregate of Small Contributions", 1),
    ("Other Receipt", 1),
    ("Operating Expense", 2),
    ("Independent Expenditure", 2),
    ("Contribution to Candidate Committee", 2),
    ("Contribution to PAC", 2),
    ("Contribution to Political Party", 2),
    ("Loan Repayment", 2),
    ("Payment of Filing Fee", 2),
    ("Return of Clean Elections Funds", 2),
    ("Transfer to Next Committee", 2),
    ("Advertising", 2),
    ("Consulting", 2),
    ("Payroll", 2),
    ("Fundraising Expense", 2),
    ("Travel", 2),
    ("Bank Fees", 2),
    ("Ballot Measure Expenditure", 2),
    ("In-Kind Contribution Given", 2),
    ("Reimbursement", 2),
    ("Loan Forgiven", 3),
    ("Debt Incurred", 3),
    ("Debt Paid", 3),
    ("Beginning Cash Balance", 3),
    ("Memo Entry", 3),
    ("Non-Monetary Adjustment", 3),
]
IE_TRANSACTION_TYPE_ID = 21
REFUND_TRANSACTION_TYPE_ID = 16

COUNTIES = [
    "Apache", "Cochise", "Coconino", "Gila", "Graham", "Greenlee", "La Paz", "Maricopa",
    "Mohave", "Navajo", "Pima", "Pinal", "Santa Cruz", "Yavapai", "Yuma",
]
PARTIES = [
    ("Democratic", "DEM"), ("Republican", "REP"), ("Libertarian", "LBT"), ("Green", "GRN"),
    ("Independent", "IND"), ("Nonpartisan", "NP"), ("No Labels", "NL"), ("Other", "OTH"),
]
_OTHER_PARTY_ID = 8
_STATEWIDE_OFFICES = [
    "Governor", "Secretary of State", "Attorney General", "State Treasurer",
    "Superintendent of Public Instruction", "State Mine Inspector", "Corporation Commissioner",
]
OFFICES: list[tuple[str, str]] = (
    [(o, "Statewide") for o in _STATEWIDE_OFFICES]
    + [(f"State Senator - District {d}", "Legislative") for d in range(1, 31)]
    + [(f"State Representative - District {d}", "Legislative") for d in range(1, 31)]
    + [("County Supervisor", "Local"), ("Mayor", "Local"), ("City Council Member", "Local")]
)
CYCLE_YEARS = list(range(1990, 2027, 2))
CATEGORIES = [
    "Advertising - Broadcast", "Advertising - Digital", "Advertising - Print",
    "Advertising - Radio", "Advertising - Outdoor", "Bank Fees", "Campaign Materials",
    "Canvassing", "Catering", "Consulting - General", "Consulting - Media",
    "Consulting - Political", "Contributions to Candidates", "Contributions to PACs",
    "Contributions to Parties", "Credit Card Fees", "Data & Voter Files", "Direct Mail",
    "Donations to Charity", "Equipment", "Event Expenses", "Filing Fees", "Fundraising",
    "Gifts", "Insurance", "Internet & Web Services", "Legal Services", "Accounting Services",
    "Loan Repayment", "Lodging", "Meals", "Mileage", "Office Rent", "Office Supplies",
    "Payroll", "Payroll Taxes", "Petition Circulation", "Phone Banking", "Photography",
    "Polling", "Postage", "Printing", "Printing, Postage & Mailing", "Professional Services",
    "Promotional Items", "Research", "Signs", "Software", "Staff Reimbursement",
    "Subscriptions", "Telephone", "Text Messaging", "Transfers", "Travel", "Utilities",
    "Video Production", "Voter Registration", "Volunteer Expenses", "Yard Signs",
    "T-Shirts & Apparel", "Parking", "Rental Cars", "Airfare", "Dues & Memberships",
    "Training", "Translation Services", "Security", "Storage", "Shipping", "Miscellaneous",
    "Uncategorized",
]

# (name, IsActive, period: 0 a quarter, 1 a calendar year, 2 part of a quarter, 3 one day,
#  the ReportNameIDs it is filed under: 0 means the quarter's own name)
REPORT_TYPES: list[tuple[str, bool, int, tuple[int, ...]]] = [
    ("Quarterly Report", True, 0, (0,)),
    ("Pre-Election Report", True, 2, (13, 15)),
    ("Post-Election Report", True, 2, (14, 16)),
    ("Annual Report", False, 1, (19,)),
    ("Semi-Annual Report", False, 2, (20,)),
    ("Termination Report", True, 2, (21,)),
    ("24-Hour Report", True, 3, (22,)),
    ("Late Contribution Report", False, 3, (23,)),
    ("Exploratory Committee Report", True, 2, (24,)),
    ("Special Election Report", True, 2, (17, 18)),
    ("Recall Election Report", True, 2, (25,)),
    ("Independent Expenditure Report", True, 3, (22,)),
    ("Ballot Measure Committee Report", True, 0, (0,)),
    ("Supplemental Report", False, 2, (13, 14, 15, 16)),
    ("Legacy Campaign Finance Report", False, 1, (19,)),
]
_REPORT_TYPE_WEIGHTS = [0.6, 0.1, 0.08, 0.03, 0.02, 0.02, 0.04, 0.02, 0.01, 0.01, 0.005, 0.03,
                        0.02, 0.005, 0.02]
_REPORT_NAMED_YEARS = (2023, 2024)
REPORT_NAMES: list[str] = (
    [f"Q{q} Report" for q in range(1, 5)]
    + [f"{y} Q{q} Report" for y in _REPORT_NAMED_YEARS for q in range(1, 5)]
    + ["Pre-Primary", "Post-Primary", "Pre-General", "Post-General", "Pre-Special",
       "Post-Special", "Annual Report", "Semi-Annual, January", "Termination Report",
       "24-Hour Report", "Late Contribution Report", "Exploratory Report",
       'Recall Election "Special" Report']
)
_FILING_WINDOW_DAYS = (14, 30, 7, 1)
_FIRST_REPORT_QUARTER = (2000, 1)
_LAST_REPORT_QUARTER = (2024, 4)

_MEASURE_SUBJECTS = [
    "Public Education Funding", "Minimum Wage", "Clean Energy", "Medical Marijuana",
    "Voter Identification", "Independent Redistricting", "Abortion Access", "Border Security",
    "Property Tax Relief", "Open Primaries", "Dark Money Disclosure", "Healthcare Worker Wages",
    "Water Conservation", "Legislative Salaries", "Criminal Justice Reform", "Payday Lending",
    "Event Wagering", "Tax Credit Scholarships", "Parental Rights", "Clean Elections",
]
_MEASURE_KINDS = ["I", "R", "SCR", "HCR"]
_MEASURE_KIND_WEIGHTS = [0.45, 0.1, 0.3, 0.15]
_MEASURE_PREAMBLE = {"I": "AN INITIATIVE MEASURE", "R": "A REFERENDUM ON",
                     "SCR": "A CONCURRENT RESOLUTION", "HCR": "A CONCURRENT RESOLUTION"}
_MEASURE_YEARS = list(range(2002, 2025, 2))

_LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
    "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris",
    "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson",
    "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez",
    "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
    "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz",
    "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim",
    "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett",
    "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo", "Sanders", "Patel",
    "Myers", "Long", "Ross", "Foster", "Jimenez", "Begay", "Yazzie", "Tsosie", "Benally",
    "Peña", "O'Brien", "Nguyễn", "García", "Müller", "D'Angelo", "St. John", "Van Der Berg",
    "López-Martínez", "O'Connor", "Ibáñez", "Núñez", "MacDonald", "Smith-Jones", "Jones, Jr.",
    "Zúñiga", "Øvergaard", "Çelik", "Đặng",
]
_FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Christopher", "Karen", "Charles", "Lisa", "Daniel", "Nancy", "Matthew", "Betty",
    "Anthony", "Sandra", "Mark", "Margaret", "Donald", "Ashley", "Steven", "Kimberly", "Paul",
    "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda",
    "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Maria", "José", "Juan",
    "Luis", "Carlos", "Ana", "Rosa", "Jesús", "Guadalupe", "Wei", "Mei", "Thảo", "Zoë",
    "Chloé", "Renée", "André", "François", "Søren", "Björn", "Jürgen", 'Robert "Bob"',
    'William "Bill"', 'Katherine "Kate"', 'Elizabeth "Liz"', "J.", "Mary Ann", "D'Andre",
    "Anne-Marie",
]
_SUFFIXES = ["Jr.", "Sr.", "II", "III", "IV", "MD", "Esq."]
_SHOWCASE_PEOPLE = [
    ("Peña", "María"), ("O'Brien", "Patrick"), ("Nguyễn", "Thảo"), ("Smith", 'Robert "Bob"'),
    ("García-López", "José"), ("D'Angelo", "Zoë"), ("Jones, Jr.", "Henry"),
    ("Müller", "Jürgen"),
]
_SHOWCASE_ORGANISATION = "Smith, Jones & Co."
_ORG_WORDS_1 = [
    "Desert", "Sonoran", "Copper", "Grand Canyon", "Saguaro", "Mesa", "Cactus", "Sun Valley",
    "Red Rock", "Arizona", "Southwest", "Valley", "Mountain", "Pinnacle", "Phoenix", "Tucson",
    "Camelback", "Ocotillo", "Mogollon", "Verde",
]
_ORG_WORDS_2 = [
    "Builders", "Realty", "Printing", "Consulting", "Media", "Signs", "Strategies",
    "Communications", "Holdings", "Dental", "Farms", "Electric", "Plumbing", "Law Group",
    "Partners", "Ventures", "Insurance", "Auto", "Catering", "Solar",
]
_ORG_SUFFIXES = [" LLC", " Inc.", ", Inc.", ", LLC", " Co.", " Corp.", " PLLC", " & Associates",
                 " Group", ""]
_ORG_SPECIALS = [
    _SHOWCASE_ORGANISATION, 'The "Best" Signs Co.', "O'Malley's Printing", "Café Olé LLC",
    "Peña Brothers Landscaping", "AT&T", "Google LLC", "Facebook, Inc.", "ActBlue Arizona",
    "U.S. Postal Service", "Arizona Education Association", "SEIU Local 48",
    "Salt River Project", "Arizona Public Service Co.", "Cox Communications",
]
_CAUSES = [
    "Better Schools", "Clean Water", "Lower Taxes", "Fair Elections", "Safe Neighborhoods",
    "Affordable Housing", "Responsible Growth", "Public Safety", "Quality Healthcare",
    "Arizona's Future", 'a "Fair" Economy', "Working Families, Strong Communities",
]
_AZ_CITIES: list[tuple[str, int, int, int, float]] = [
    ("Phoenix", 8, 85003, 85099, 30), ("Tucson", 11, 85701, 85757, 12),
    ("Mesa", 8, 85201, 85215, 6), ("Chandler", 8, 85224, 85286, 5),
    ("Scottsdale", 8, 85250, 85262, 6), ("Glendale", 8, 85301, 85310, 4),
    ("Gilbert", 8, 85233, 85298, 4), ("Tempe", 8, 85281, 85288, 4),
    ("Peoria", 8, 85345, 85383, 3), ("Surprise", 8, 85374, 85388, 2),
    ("Yuma", 15, 85364, 85367, 2), ("Flagstaff", 3, 86001, 86011, 2),
    ("Prescott", 14, 86301, 86305, 2), ("Sierra Vista", 2, 85635, 85650, 1),
    ("Casa Grande", 12, 85122, 85194, 1), ("Lake Havasu City", 9, 86403, 86406, 1),
    ("Kingman", 9, 86401, 86409, 1), ("Bullhead City", 9, 86429, 86442, 1),
    ("Goodyear", 8, 85338, 85395, 1), ("Avondale", 8, 85323, 85392, 1),
    ("Buckeye", 8, 85326, 85396, 1), ("Nogales", 13, 85621, 85628, 1),
    ("Sedona", 14, 86336, 86351, 1), ("Show Low", 10, 85901, 85902, 0.5),
    ("Globe", 4, 85501, 85502, 0.5), ("Safford", 5, 85546, 85548, 0.5),
    ("Clifton", 6, 85533, 85533, 0.2), ("Parker", 7, 85344, 85344, 0.3),
    ("Window Rock", 1, 86515, 86515, 0.3), ("Payson", 4, 85541, 85547, 0.5),
    ("Oro Valley", 11, 85737, 85755, 1), ("Marana", 11, 85653, 85743, 0.5),
    ("Queen Creek", 8, 85140, 85142, 1), ("Fountain Hills", 8, 85268, 85269, 0.5),
    ("Paradise Valley", 8, 85253, 85253, 1), ("Cave Creek", 8, 85327, 85331, 0.5),
    ("Prescott Valley", 14, 86314, 86315, 0.5), ("Cottonwood", 14, 86326, 86326, 0.5),
    ("Winslow", 10, 86047, 86047, 0.2), ("Bisbee", 2, 85603, 85603, 0.2),
    ("Douglas", 2, 85607, 85608, 0.2), ("Apache Junction", 12, 85119, 85120, 0.5),
    ("Florence", 12, 85132, 85132, 0.2), ("San Luis", 15, 85349, 85349, 0.2),
    ("St. Johns", 1, 85936, 85936, 0.1), ("Tuba City", 3, 86045, 86045, 0.1),
]
_OTHER_CITIES: list[tuple[str, str, int, int]] = [
    ("Los Angeles", "CA", 90001, 90089), ("San Diego", "CA", 92101, 92199),
    ("Washington", "DC", 20001, 20099), ("New York", "NY", 10001, 10099),
    ("Denver", "CO", 80201, 80299), ("Albuquerque", "NM", 87101, 87199),
    ("Las Vegas", "NV", 89101, 89199), ("Chicago", "IL", 60601, 60699),
    ("Seattle", "WA", 98101, 98199), ("Salt Lake City", "UT", 84101, 84199),
    ("Dallas", "TX", 75201, 75299), ("Española", "NM", 87532, 87533),
    ("Cañon City", "CO", 81212, 81215), ("Coeur d'Alene", "ID", 83814, 83816),
]
_AZ_SPELLINGS = ["AZ", "Az", "az.", "AZ ", "az", "Arizona"]
_AZ_SPELLING_WEIGHTS = [0.9, 0.025, 0.01, 0.025, 0.02, 0.02]
_STREETS = [
    "N Central Ave", "E Camelback Rd", "W Indian School Rd", "S Mill Ave", "E Speedway Blvd",
    "N Scottsdale Rd", "W Bell Rd", "E Broadway Rd", "N 7th St", "E McDowell Rd",
    "W Thomas Rd", "N 44th St", "E University Dr", "S Rural Rd", "N Oracle Rd", "E Grant Rd",
    "W Ina Rd", "N 19th Ave", "E Baseline Rd", "W Glendale Ave", "N Hayden Rd", "E Shea Blvd",
    "Calle de la Reina", "Avenida del Sol", "E Tanque Verde Rd", "W Peoria Ave", "N Pima Rd",
    "S Kolb Rd", "E Fry Blvd", "N San Francisco St", "W Gurley St", "Old Route 66",
]
_ADDRESS2 = ["Apt 1", "Apt 204", "Suite 100", "Suite 1200", "Unit 5", "Ste. 300",
             "Bldg 2, Suite 140", "#12", "c/o Treasurer"]
_OCCUPATIONS = [
    "Retired", "Attorney", "Physician", "Teacher", "Engineer", "Self-Employed", "Not Employed",
    "Homemaker", "Real Estate Agent", "Consultant", "CEO", "Owner", "Nurse", "Accountant",
    "Manager", "Sales", "Contractor", "Rancher", "Professor", "Student", "Software Developer",
    "Firefighter", "Police Officer", "Lobbyist", "Dentist", "Pastor", "Farmer", "Investor",
    "Pharmacist", "Electrician", "President", "Director", "Information Requested", "N/A",
    "Retired, Teacher", "Artist", "Chef", "Pilot",
]
_EMPLOYERS = [
    "Self", "Self-Employed", "Retired", "Not Employed", "State of Arizona", "City of Phoenix",
    "Arizona State University", "University of Arizona", "Banner Health", "Honeywell",
    "Intel", "Salt River Project", "Arizona Public Service", "Wells Fargo",
    _SHOWCASE_ORGANISATION, "Maricopa County", "Pima County", "Mayo Clinic", "Raytheon",
    "Amazon", "Walmart", "O'Reilly Auto Parts", "Peña & Associates", "Café Olé LLC",
    "Information Requested", "N/A", "Snell & Wilmer", "Tucson Unified School District",
    "Mesa Public Schools", "Circle K", "U-Haul", "Freeport-McMoRan", "GoDaddy",
    'The "Best" Signs Co.',
]
_BANKS = [
    "Wells Fargo Bank, N.A.", "JPMorgan Chase Bank", "Bank of America",
    "Desert Financial Credit Union", "Arizona Federal Credit Union", "BMO Harris Bank",
    "Western Alliance Bank", "Vantage West Credit Union", 'First "Community" Bank',
]
_SPONSOR_TYPES = ["Corporation", "Labor Organization", "Partnership", "Association",
                  "Limited Liability Company", "Individual"]
_SPONSOR_RELATIONSHIPS = ["Connected Organization", "Affiliated", "Sponsor", "Parent Company",
                          "Member Organization, Local Chapter"]
_OTHER_PARTY_NAMES = ["Arizona Independent Party", "No Labels Arizona", "Constitution",
                      "Working Families"]
_INCOME_MEMOS = [
    "Monthly contribution", "Payroll deduction", "Event ticket", "Online contribution",
    "Contribution via ActBlue", "Dinner, silent auction", 'Golf tournament "Fore AZ"',
    "O'Reilly fundraiser", "Aportación \u2013 evento en Peña's", "Reattributed to spouse",
    "In-kind: food & beverage", "Refund - over limit", "Interest, savings account",
]
_EXPENSE_MEMOS = [
    "Yard signs", "Postage", "Printing, postage & mailing", "Campaign consulting",
    "Office rent", "Reimbursement for mileage", 'Banner "Vote Yes"', "Catering \u2013 Café Olé",
    "Filing fee", "Website hosting", "Staff payroll", "Bank fee", "O'Malley's Printing",
    "Facebook ads", "Radio spot, 30 seconds",
]
_IE_MEMOS = [
    "Digital advertising", "Mailer supporting candidate", "Mailer opposing candidate",
    "Canvassing, door hangers", 'TV ad: "Protect Our Schools"', "Polling",
    "Radio spot \u2013 Spanish language", "Text messages", "Billboard, I-10 westbound",
    "Door-to-door literature", "Print ad in the Arizona Republic", "Streaming video ads",
]
_NEWLINE_MEMOS = ["Event costs\nsee attached invoice", 'Mailer "Phase 2"\r\nprinting + postage']
_ACCOUNT_TYPES = [None, "", "P", "G", "PG", "R", "S", "CE"]
_ACCOUNT_WEIGHTS = [0.5, 0.03, 0.2, 0.15, 0.05, 0.03, 0.02, 0.02]
_ROUND_DOLLARS = np.array([5, 10, 20, 25, 50, 100, 150, 200, 250, 500, 1000, 2500, 5000, 6250])
_ROUND_WEIGHTS = np.array([4, 8, 6, 12, 14, 18, 3, 6, 8, 8, 6, 3, 2, 2], dtype=float)
_BOOL_FIELDS = [NULL, "0", "false", "FALSE", "1", "true", "TRUE"]
_BOOL_STYLE_WEIGHTS = [0.5, 0.25, 0.25]
_DATE_STYLE_WEIGHTS = [0.4, 0.25, 0.35]
_FIRST_DAY = dt.date(2000, 1, 1)
_LAST_DAY = dt.date(2025, 12, 31)
_N_DAYS = (_LAST_DAY - _FIRST_DAY).days + 1

_PERSON, _CANDIDATE, _COMMITTEE_RECORD, _LEGACY, _ORGANISATION, _SENTINEL = range(6)
_INC, _EXP, _IE, _NEU = range(4)

_INCOME_TYPES_BY_KIND: dict[int, tuple[list[int], list[float]]] = {
    _PERSON: ([1, 9, 10, 12, 19], [0.86, 0.07, 0.04, 0.01, 0.02]),
    _CANDIDATE: ([2, 1, 12], [0.7, 0.2, 0.1]),
    _COMMITTEE_RECORD: ([3, 4, 5], [0.4, 0.45, 0.15]),
    _LEGACY: ([3, 4], [0.5, 0.5]),
    _ORGANISATION: ([6, 7, 8, 11, 13, 17], [0.6, 0.15, 0.1, 0.08, 0.03, 0.04]),
}
_INCOME_SENTINELS = [(-1, 0.005, [18, 1]), (-2, 0.0005, [14]), (-5, 0.0005, [15]),
                     (0, 0.0001, [19])]
_EXPENSE_SENTINELS = [(-7, 0.03, [20, 29, 30]), (-3, 0.002, [26]), (-2, 0.0005, [27]),
                      (-5, 0.0005, [28])]
_EXPENSE_TYPES = ([20, 22, 23, 24, 25, 29, 30, 31, 32, 33, 34, 35, 36, 37],
                  [0.35, 0.08, 0.04, 0.02, 0.02, 0.12, 0.1, 0.08, 0.05, 0.04, 0.03, 0.02, 0.02,
                   0.03])
_NEUTRAL_TYPES = ([38, 39, 40, 41, 42, 43], [0.1, 0.3, 0.3, 0.1, 0.1, 0.1])
_COMMITTEE_KINDS = ["candidate", "pac", "party", "political_org", "ballot", "ie"]
_COMMITTEE_KIND_SHARES = [CANDIDATE_COMMITTEE_SHARE, 0.25, 0.05, 0.03, 0.05, 0.02]
_COMMITTEE_KIND_ENTITY_TYPE = {"candidate": 3, "pac": 4, "party": 5, "political_org": 23,
                               "ballot": 18, "ie": 17}


def _q(value: str | None) -> str:
    """One CSV field: NULL as nothing, '' as "", quoted only where needed."""
    if value is None:
        return NULL
    if value == "":
        return EMPTY
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _pool(values: Sequence[str | None]) -> np.ndarray:
    return np.array([_q(v) for v in values], dtype=object)


def _alloc(start: int, n: int, share: float) -> int:
    """Exact share of rows start..start+n, so that chunk counts add up to the batch total."""
    return round((start + n) * share) - round(start * share)


def _zipf_cum(n: int, s: float, c: float) -> np.ndarray:
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return np.cumsum((ranks + c) ** -s)


def _draw(cum: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    idx = np.searchsorted(cum, rng.random(k) * cum[-1], side="right")
    return np.minimum(idx, len(cum) - 1)


def _choice(rng: np.random.Generator, values: Sequence[int] | np.ndarray,
            weights: Sequence[float] | np.ndarray, k: int) -> np.ndarray:
    p = np.asarray(weights, dtype=np.float64)
    return np.asarray(values)[rng.choice(len(values), size=k, p=p / p.sum())]


def _numbered(position: np.ndarray, next_id: int, rng: np.random.Generator, *,
              max_gap: int) -> tuple[np.ndarray, np.ndarray]:
    """(the order rows are written in, each row's id): rows sorted by `position`, ids
    ascending in that order from `next_id`, with a gap of up to `max_gap` before 2% of them
    (real exports have holes where rows were purged)."""
    n = len(position)
    order = np.argsort(position, kind="stable")
    gaps = np.where(rng.random(n) < 0.02, rng.integers(2, max_gap, n), 1)
    row_id = np.empty(n, dtype=np.int64)
    row_id[order] = next_id - 1 + np.cumsum(gaps)
    return order, row_id


def _lines(columns: Sequence[Sequence[str]]) -> str:
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def _ints(values: np.ndarray) -> list[str]:
    return list(map(str, values.tolist()))


def _sparse_ints(values: np.ndarray, present: np.ndarray) -> list[str]:
    out = [NULL] * len(values)
    for i in np.flatnonzero(present).tolist():
        out[i] = str(int(values[i]))
    return out


def _date_text(day: int, style: int) -> str:
    d = _FIRST_DAY + dt.timedelta(days=day)
    if style == 0:
        return d.isoformat()
    if style == 1:
        return f"{d.isoformat()} 00:00:00"
    return d.strftime("%m/%d/%y 00:00:00")


def _date_pool() -> np.ndarray:
    """Index day * 3 + style; the last entry is the empty date."""
    days = [_FIRST_DAY + dt.timedelta(days=i) for i in range(_N_DAYS)]
    out: list[str] = []
    for d in days:
        iso = d.isoformat()
        out += [iso, f"{iso} 00:00:00", d.strftime("%m/%d/%y 00:00:00")]
    out.append(NULL)
    return np.array(out, dtype=object)


def _org_names() -> list[str]:
    combos = [f"{a} {b}{s}" for a in _ORG_WORDS_1 for b in _ORG_WORDS_2 for s in _ORG_SUFFIXES]
    return _ORG_SPECIALS + combos


@dataclass
class _Committees:
    name_id: np.ndarray
    kind: list[str]
    candidate: np.ndarray
    party: np.ndarray
    office: np.ndarray
    cycle: np.ndarray
    org_day: np.ndarray


@dataclass
class _World:
    n_names: int
    n_committees: int
    ie_share: float
    kind: np.ndarray
    special_ids: np.ndarray
    special: dict[int, tuple[str, str, int]]
    empty_last: np.ndarray
    empty_both: np.ndarray
    shifted: np.ndarray
    committees: _Committees
    candidates: list[tuple[int, str, str]]
    persons: np.ndarray
    organisations: np.ndarray
    donor_ids: np.ndarray
    donor_cum: np.ndarray
    vendor_ids: np.ndarray
    vendor_cum: np.ndarray
    committee_cum: np.ndarray
    ie_spenders: np.ndarray
    ie_spender_cum: np.ndarray
    target_ids: np.ndarray
    target_cum: np.ndarray
    legacy_ids: np.ndarray
    shared_ids: np.ndarray
    long_zip: np.ndarray


def _sizes(transactions: int, names: int | None, committees: int | None) -> tuple[int, int]:
    if transactions < 0:
        raise ValueError("transactions must be >= 0")
    n_committees = committees if committees is not None else max(
        300, round(transactions * 5486 / 10.1e6))
    if n_committees < 10:
        raise ValueError("committees must be >= 10")
    need = _names_needed(n_committees)
    if names is None:
        return max(200, round(transactions * 2.33 / 10.1), need), n_committees
    if names < need:
        raise ValueError(f"names must be >= {need} for {n_committees} committees, got {names}")
    return names, n_committees


def _shared_count(n_committees: int) -> int:
    return max(2, round(n_committees * 0.002))


def _legacy_count(n_committees: int) -> int:
    return max(3, round(n_committees * 0.03))


def _candidate_counts(n_committees: int) -> tuple[int, int]:
    n_cand_committees = round(n_committees * CANDIDATE_COMMITTEE_SHARE)
    distinct = round((n_cand_committees - _shared_count(n_committees)) * 0.9)
    return n_cand_committees, distinct


def _names_needed(n_committees: int) -> int:
    records = n_committees - _shared_count(n_committees)
    return (records + _legacy_count(n_committees) + _candidate_counts(n_committees)[1]
            + 20 + 100)


def _build_world(n_names: int, n_committees: int, ie_share: float,
                 rng: np.random.Generator) -> _World:
    perm = rng.permutation(np.arange(1, n_names + 1, dtype=np.int32))
    n_shared = _shared_count(n_committees)
    n_legacy = _legacy_count(n_committees)
    n_cand_committees, n_candidates = _candidate_counts(n_committees)
    n_records = n_committees - n_shared
    n_orgs = max(20, round(n_names * 0.08))
    cut = np.cumsum([n_records, n_legacy, n_candidates, n_orgs])
    records, legacy, cands, orgs, persons = np.split(perm, cut)
    kind = np.full(n_names + 1, _PERSON, dtype=np.int8)
    kind[0] = _SENTINEL
    kind[records] = _COMMITTEE_RECORD
    kind[legacy] = _LEGACY
    kind[cands] = _CANDIDATE
    kind[orgs] = _ORGANISATION

    committees, candidates, special = _build_committees(
        n_committees, n_cand_committees, n_shared, records, cands, legacy, orgs, rng)

    n_empty = max(2, round(n_names * EMPTY_LAST_NAME_SHARE))
    n_shifted = max(1, round(n_names * SHIFTED_ADDRESS_SHARE))
    n_show = len(_SHOWCASE_PEOPLE)
    picked = rng.choice(persons, size=n_empty + n_shifted + n_show, replace=False)
    empty_last = np.sort(picked[:n_empty])
    empty_both = np.sort(picked[: (n_empty + 1) // 2])
    shifted = np.sort(picked[n_empty:n_empty + n_shifted])
    for nid, (last, first) in zip(picked[n_empty + n_shifted:].tolist(), _SHOWCASE_PEOPLE,
                                  strict=True):
        special[nid] = (_q(last), _q(first), 1)
    special[int(orgs[0])] = (_q(_SHOWCASE_ORGANISATION), NULL, 7)

    donor_ids = rng.permutation(np.arange(1, n_names + 1, dtype=np.int32))
    donor_cum = _zipf_cum(n_names, 1.0, max(1.0, n_names * 100 / 2_330_000))
    vendor_ids = rng.permutation(np.concatenate([orgs, records]))
    vendor_cum = _zipf_cum(len(vendor_ids), 1.0, max(1.0, len(vendor_ids) * 0.001))
    committee_cum = np.cumsum(rng.lognormal(0.0, 1.5, n_committees))

    non_candidate = np.array([i + 1 for i, k in enumerate(committees.kind) if k != "candidate"])
    n_spenders = max(3, round(len(non_candidate) * 0.15))
    ie_spenders = rng.choice(non_candidate, size=min(n_spenders, len(non_candidate)),
                             replace=False)
    cand_records = np.unique(
        committees.name_id[[i for i, k in enumerate(committees.kind) if k == "candidate"]])
    target_ids = rng.permutation(cand_records)
    counts = np.bincount(committees.name_id - committees.name_id.min())
    shared_ids = np.flatnonzero(counts > 1) + committees.name_id.min()
    sample_persons = rng.choice(persons, size=min(len(persons), 5000), replace=False)
    # Drawn after everything else, so that adding them left the other draws as they were.
    free = np.setdiff1d(persons, picked)
    long_zip = np.sort(rng.choice(free, size=min(len(free), _long_zip_count(n_names)),
                                  replace=False))
    return _World(
        n_names=n_names, n_committees=n_committees, ie_share=ie_share, kind=kind,
        special_ids=np.array(sorted(special), dtype=np.int64), special=special,
        empty_last=empty_last, empty_both=empty_both, shifted=shifted,
        committees=committees, candidates=candidates,
        persons=sample_persons,
        organisations=orgs[: min(len(orgs), 5000)],
        donor_ids=donor_ids, donor_cum=donor_cum, vendor_ids=vendor_ids, vendor_cum=vendor_cum,
        committee_cum=committee_cum, ie_spenders=ie_spenders.astype(np.int32),
        ie_spender_cum=_zipf_cum(len(ie_spenders), 1.2, 0.5),
        target_ids=target_ids.astype(np.int32), target_cum=_zipf_cum(len(target_ids), 1.0, 2.0),
        legacy_ids=np.sort(legacy), shared_ids=shared_ids.astype(np.int32),
        long_zip=long_zip,
    )


def _long_zip_count(n_names: int) -> int:
    return max(1, round(n_names * LONG_ZIP_SHARE))


def _office_short(office_id: int) -> str:
    name, office_type = OFFICES[office_id - 1]
    if name.startswith("State Senator"):
        return "Senate"
    if name.startswith("State Representative"):
        return "House"
    return name if office_type == "Statewide" else name.split()[-1]


def _committee_name(kind: str, rng: np.random.Generator, first: str, last: str,
                    office: int, year: int) -> str:
    w1 = _ORG_WORDS_1[rng.integers(len(_ORG_WORDS_1))]
    w2 = _ORG_WORDS_2[rng.integers(len(_ORG_WORDS_2))]
    cause = _CAUSES[rng.integers(len(_CAUSES))]
    county = COUNTIES[rng.integers(len(COUNTIES))]
    templates = {
        "candidate": [f"{first} {last} for {_office_short(office)}", f"Friends of {first} {last}",
                      f"Elect {first} {last}", f"{last} for Arizona", f"{first} {last} {year}",
                      f"Committee to Elect {first} {last}",
                      f"{last} for {_office_short(office)} {year}"],
        "pac": [f"{w1} {w2} PAC", f"Arizonans for {cause}", f"{w1} Business Coalition",
                f"Citizens for {cause}, Inc.", f"{w2} Industry PAC of Arizona"],
        "party": [f"{county} County Democratic Party", f"{county} County Republican Committee",
                  f"LD {rng.integers(1, 31)} Democrats", f"LD {rng.integers(1, 31)} Republicans",
                  "Arizona Democratic Party", "Arizona Republican Party",
                  "Libertarian Party of Arizona", "Arizona Green Party"],
        "political_org": [f"{w1} Leadership Fund", f"Arizona {cause} Action",
                          f"AZ {w2} Alliance"],
        "ballot": [f"Yes on Prop {rng.integers(100, 500)}", f"No on Prop {rng.integers(100, 500)}",
                   f"Arizonans for {cause}", f"Voters for {cause}, Sponsored by {w1} {w2}"],
        "ie": [f"{w1} Victory Fund", f"Protect {cause} IE Committee", f"{w1} {w2} Action Fund"],
    }[kind]
    return templates[rng.integers(len(templates))]


def _person_name(rng: np.random.Generator) -> tuple[str, str]:
    return (_LAST_NAMES[rng.integers(len(_LAST_NAMES))],
            _FIRST_NAMES[rng.integers(len(_FIRST_NAMES))])


def _build_committees(n: int, n_cand: int, n_shared: int, records: np.ndarray,
                      cands: np.ndarray, legacy: np.ndarray, orgs: np.ndarray,
                      rng: np.random.Generator
                      ) -> tuple[_Committees, list[tuple[int, str, str]],
                                 dict[int, tuple[str, str, int]]]:
    rest = n - n_cand
    shares = np.array(_COMMITTEE_KIND_SHARES[1:]) / sum(_COMMITTEE_KIND_SHARES[1:])
    other_counts = np.floor(shares * rest).astype(int)
    other_counts[0] += rest - other_counts.sum()
    kinds = ["candidate"] * n_cand + [k for k, c in zip(_COMMITTEE_KINDS[1:], other_counts,
                                                         strict=True) for _ in range(c)]
    kinds = [kinds[i] for i in rng.permutation(n)]
    cand_idx = np.array([i for i, k in enumerate(kinds) if k == "candidate"])
    shuffled = rng.permutation(cand_idx)
    owners, sharers, plain = (shuffled[:n_shared], shuffled[n_shared:2 * n_shared],
                              shuffled[2 * n_shared:])

    candidates = [(int(nid), *_person_name(rng)) for nid in cands]
    candidate = np.zeros(n, dtype=np.int64)
    first_plain = np.concatenate([owners, plain])
    candidate[first_plain[: len(cands)]] = cands
    reuse = first_plain[len(cands):]
    candidate[reuse] = rng.choice(cands, size=len(reuse))
    candidate[sharers] = candidate[owners]

    name_id = np.zeros(n, dtype=np.int64)
    own = np.setdiff1d(np.arange(n), sharers)
    name_id[own] = records
    name_id[sharers] = name_id[owners]

    party = np.where(rng.random(n) < 0.02, 0,
                     _choice(rng, range(1, 9), [40, 40, 5, 3, 6, 2, 2, 2], n))
    office = _choice(rng, range(1, len(OFFICES) + 1),
                     [3] * 7 + [2] * 60 + [4, 4, 6], n)
    org_day = rng.integers(0, _N_DAYS - 400, n)
    years = np.array([(_FIRST_DAY + dt.timedelta(days=int(d))).year for d in org_day])
    cycle = np.minimum((years + years % 2 - CYCLE_YEARS[0]) // 2 + 1, len(CYCLE_YEARS))

    by_nid = {nid: (first, last) for nid, last, first in candidates}
    special: dict[int, tuple[str, str, int]] = {
        nid: (_q(last), _q(first), 2) for nid, last, first in candidates}
    for i in own.tolist():
        first, last = by_nid.get(int(candidate[i]), ("", ""))
        year = CYCLE_YEARS[int(cycle[i]) - 1]
        text = _committee_name(kinds[i], rng, first, last, int(office[i]), year)
        special[int(name_id[i])] = (_q(text), NULL, _COMMITTEE_KIND_ENTITY_TYPE[kinds[i]])
    for nid in legacy.tolist():
        last, first = _person_name(rng)
        year = int(rng.integers(1994, 2007))
        text = [f"Committee to Elect {first} {last} ({year})", f"{last} for State Senate {year}",
                f"{_ORG_WORDS_1[rng.integers(len(_ORG_WORDS_1))]} PAC (inactive)"][
            rng.integers(3)]
        special[nid] = (_q(text), NULL, int(rng.choice([3, 4])))
    return (_Committees(name_id=name_id, kind=kinds, candidate=candidate, party=party,
                        office=office, cycle=cycle, org_day=org_day),
            candidates, special)


def _write(path: Path, header: Sequence[str], text_chunks) -> int:
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(header) + "\n")
        for text, count in text_chunks:
            f.write(text)
            rows += count
    return rows


def _table(rows: Sequence[Sequence[str | None]]):
    if rows:
        yield _lines(list(zip(*[[_q(v) for v in row] for row in rows], strict=True))), len(rows)


def _lookup_tables() -> dict[str, list[list[str | None]]]:
    cycles: list[list[str | None]] = []
    for i, year in enumerate(CYCLE_YEARS, start=1):
        begin, end = dt.date(year - 1, 1, 1), dt.date(year, 12, 31)
        if year < 2000:
            cycles.append([str(i), str(year), begin.isoformat(), end.isoformat()])
        else:
            cycles.append([str(i), str(year), begin.strftime("%m/%d/%y 00:00:00"),
                           end.strftime("%m/%d/%y 00:00:00")])
    return {
        "EntityTypes.csv": [[str(i), n] for i, n in enumerate(ENTITY_TYPES, start=1)],
        "TransactionTypes.csv": [[str(i), n, str(t)]
                                 for i, (n, t) in enumerate(TRANSACTION_TYPES, start=1)],
        "Counties.csv": [[str(i), n] for i, n in enumerate(COUNTIES, start=1)],
        "Parties.csv": [[str(i), n, a] for i, (n, a) in enumerate(PARTIES, start=1)],
        "Offices.csv": [[str(i), n, t] for i, (n, t) in enumerate(OFFICES, start=1)],
        "Cycles.csv": cycles,
        "Categories.csv": [[str(i), n] for i, n in enumerate(CATEGORIES, start=1)],
        "ReportTypes.csv": [[str(i), n, _BOOL_FIELDS[1 + 3 * int(active) + i % 3]]
                            for i, (n, active, *_) in enumerate(REPORT_TYPES, start=1)],
        "ReportNames.csv": [[str(i), n] for i, n in enumerate(REPORT_NAMES, start=1)],
    }


class _NamePools:
    def __init__(self) -> None:
        self.last = _pool(_LAST_NAMES)
        self.first = _pool(_FIRST_NAMES)
        self.middle = _pool([chr(c) for c in range(65, 91)] + [f"{chr(c)}." for c in range(65, 91)]
                            + ["Lee", "Ann", "Marie", "José", "O'Neil"])
        self.suffix = _pool(_SUFFIXES)
        self.orgs = _pool(_org_names())
        self.streets = np.array(_STREETS, dtype=object)
        self.address2 = _pool(_ADDRESS2)
        self.occupations = _pool(_OCCUPATIONS)
        self.employers = _pool(_EMPLOYERS)
        cities = [c for c, *_ in _AZ_CITIES] + [c for c, *_ in _OTHER_CITIES]
        self.city = _pool(cities)
        self.n_az = len(_AZ_CITIES)
        self.county = np.array([c for _, c, *_ in _AZ_CITIES] + [0] * len(_OTHER_CITIES))
        self.zip_lo = np.array([z for *_, z, _h, _w in _AZ_CITIES]
                               + [z for *_, z, _h in _OTHER_CITIES])
        self.zip_hi = np.array([h for *_, h, _w in _AZ_CITIES] + [h for *_, h in _OTHER_CITIES])
        weights = [w for *_, w in _AZ_CITIES]
        self.az_p = np.array(weights) / sum(weights)
        self.az_states = _pool(_AZ_SPELLINGS)
        other_states = [s for _, s, *_ in _OTHER_CITIES]
        self.other_state = _pool(other_states)
        self.other_state_lower = _pool([s.lower() for s in other_states])
        self.county_text = np.array([NULL] + [str(i) for i in range(1, 16)], dtype=object)
        self.org_types = np.array(ORGANISATION_ENTITY_TYPE_IDS)


def _names_chunk(w: _World, p: _NamePools, rng: np.random.Generator, lo: int, hi: int) -> str:
    ids = np.arange(lo, hi, dtype=np.int64)
    n = len(ids)
    kind = w.kind[lo:hi]
    person = (kind == _PERSON) | (kind == _CANDIDATE)
    org = kind == _ORGANISATION

    group = np.where(rng.random(n) < 0.05, rng.integers(1, w.n_names + 1, n), ids)
    etype = np.full(n, PERSON_ENTITY_TYPE_IDS[0], dtype=np.int64)
    etype[org] = rng.choice(p.org_types, size=int(org.sum()))

    last = p.last[rng.integers(0, len(p.last), n)]
    last[org] = p.orgs[rng.integers(0, len(p.orgs), int(org.sum()))]
    first = p.first[rng.integers(0, len(p.first), n)]
    first[~person] = NULL
    r = rng.random(n)
    middle = np.full(n, NULL, dtype=object)
    m = person & (r < 0.45)
    middle[m] = p.middle[rng.integers(0, len(p.middle), int(m.sum()))]
    middle[person & (r >= 0.45) & (r < 0.5)] = EMPTY
    r = rng.random(n)
    suffix = np.full(n, NULL, dtype=object)
    m = person & (r < 0.03)
    suffix[m] = p.suffix[rng.integers(0, len(p.suffix), int(m.sum()))]
    suffix[person & (r >= 0.03) & (r < 0.06)] = EMPTY

    numbers = rng.integers(1, 30000, n).tolist()
    streets = p.streets[rng.integers(0, len(p.streets), n)].tolist()
    box = (rng.random(n) < 0.08).tolist()
    address1 = [f"PO Box {a}" if b else f"{a} {s}"
                for a, s, b in zip(numbers, streets, box, strict=True)]
    r = rng.random(n)
    address2 = np.full(n, NULL, dtype=object)
    m = r < 0.08
    address2[m] = p.address2[rng.integers(0, len(p.address2), int(m.sum()))]
    address2[(r >= 0.08) & (r < 0.12)] = EMPTY

    in_az = rng.random(n) < 0.88
    loc = np.where(in_az, rng.choice(p.n_az, size=n, p=p.az_p),
                   p.n_az + rng.integers(0, len(p.other_state), n))
    city = p.city[loc]
    state = p.az_states[rng.choice(len(p.az_states), size=n, p=_AZ_SPELLING_WEIGHTS)]
    other = ~in_az
    other_idx = loc[other] - p.n_az
    state[other] = np.where(rng.random(int(other.sum())) < 0.95, p.other_state[other_idx],
                            p.other_state_lower[other_idx])
    zips = p.zip_lo[loc] + (rng.random(n) * (p.zip_hi[loc] - p.zip_lo[loc] + 1)).astype(np.int64)
    plus4 = np.where(rng.random(n) < 0.1, rng.integers(1, 10000, n), -1)
    zip_text = [f"{z:05d}-{e:04d}" if e >= 0 else f"{z:05d}"
                for z, e in zip(zips.tolist(), plus4.tolist(), strict=True)]
    county_id = np.where(rng.random(n) < 0.1, 0, p.county[loc])
    county = p.county_text[county_id]

    r = rng.random(n)
    occupation = np.full(n, NULL, dtype=object)
    m = person & (r < 0.85)
    occupation[m] = p.occupations[rng.integers(0, len(p.occupations), int(m.sum()))]
    occupation[person & (r >= 0.85) & (r < 0.9)] = EMPTY
    r = rng.random(n)
    employer = np.full(n, NULL, dtype=object)
    m = person & (r < 0.8)
    employer[m] = p.employers[rng.integers(0, len(p.employers), int(m.sum()))]
    employer[person & (r >= 0.8) & (r < 0.85)] = EMPTY

    a, b = np.searchsorted(w.special_ids, [lo, hi])
    for nid in w.special_ids[a:b].tolist():
        i = nid - lo
        last[i], first[i], etype[i] = w.special[nid]
        if kind[i] in (_COMMITTEE_RECORD, _LEGACY):
            middle[i] = suffix[i] = occupation[i] = employer[i] = NULL
    for rows, both in ((w.empty_last, False), (w.empty_both, True)):
        a, b = np.searchsorted(rows, [lo, hi])
        for nid in rows[a:b].tolist():
            i = nid - lo
            last[i] = EMPTY if nid % 2 else NULL
            if both:
                first[i] = NULL if nid % 2 else EMPTY
    a, b = np.searchsorted(w.shifted, [lo, hi])
    for nid in w.shifted[a:b].tolist():
        i = nid - lo
        z = zip_text[i][:5]
        address1[i] = p.city[loc[i]]
        address2[i] = NULL
        city[i] = state[i]
        state[i] = z[:2]
        zip_text[i] = f"${int(z[2:])}.00"
        county[i] = NULL
    a, b = np.searchsorted(w.long_zip, [lo, hi])
    for nid in w.long_zip[a:b].tolist():
        i = nid - lo
        z, e = zip_text[i][:5], nid % 10_000
        zip_text[i] = (f"{z}-{e:04d} {nid % 10}", f"{z} - {e:04d}", f"AZ {z}-{e:04d}",
                       f"{z}-{e:04d}{nid % 10}")[nid % 4]

    return _lines([_ints(ids), _ints(group), _ints(etype), last.tolist(), first.tolist(),
                   middle.tolist(), suffix.tolist(), address1, address2.tolist(), city.tolist(),
                   state.tolist(), zip_text, county.tolist(), occupation.tolist(),
                   employer.tolist()])


def _names_rows(w: _World, rng: np.random.Generator):
    sentinels = [[str(nid), str(nid), str(_SENTINEL_ENTITY_TYPE[nid]), name] + [None] * 11
                 for nid, name in SENTINEL_NAMES.items()]
    yield from _table(sentinels)
    p = _NamePools()
    for lo in range(1, w.n_names + 1, CHUNK_ROWS):
        hi = min(lo + CHUNK_ROWS, w.n_names + 1)
        yield _names_chunk(w, p, rng, lo, hi), hi - lo


def _bool_text(rng: np.random.Generator, value: bool | None) -> str | None:
    if value is None:
        return None
    return _BOOL_FIELDS[1 + 3 * int(value) + int(rng.choice(3, p=_BOOL_STYLE_WEIGHTS))]


def _day_text(rng: np.random.Generator, day: int) -> str:
    return _date_text(int(day), int(rng.choice(3, p=_DATE_STYLE_WEIGHTS)))


def _committee_rows(w: _World, rng: np.random.Generator,
                    ballot_measure: np.ndarray) -> list[list[str | None]]:
    """``ballot_measure[i]`` is the BallotMeasureID of committee i + 1 if it is a ballot
    committee (drawn apart, so that this stream is what it was before the column)."""
    c = w.committees
    rows: list[list[str | None]] = []
    state_p = np.array(_AZ_SPELLING_WEIGHTS)
    for i in range(w.n_committees):
        kind = c.kind[i]
        cand = kind == "candidate"
        office_id = int(c.office[i])
        local = OFFICES[office_id - 1][1] != "Statewide"
        party = int(c.party[i])
        org: str | None = _date_text(int(c.org_day[i]),
                                     int(rng.choice(3, p=_DATE_STYLE_WEIGHTS)))
        if rng.random() < 0.02:
            org = None
        term: str | None = None
        if rng.random() < 0.35:
            term = _day_text(rng, min(_N_DAYS - 1, int(c.org_day[i]) + int(rng.integers(30, 3000))))
        city = _AZ_CITIES[int(rng.integers(len(_AZ_CITIES)))]
        sponsor = kind in ("pac", "political_org", "ie") and rng.random() < 0.6
        rows.append([
            str(i + 1), str(int(c.name_id[i])),
            str(int(c.candidate[i])) if cand else None,
            str(party) if cand and party else None,
            str(office_id) if cand else None,
            str(int(rng.integers(1, 16))) if cand and local and rng.random() < 0.5 else None,
            _bool_text(rng, bool(rng.random() < 0.2)) if cand and rng.random() < 0.95 else None,
            str(int(c.cycle[i])) if cand else None,
            org, term,
            str(int(rng.choice(w.persons))) if rng.random() < 0.7 else None,
            str(int(rng.choice(w.persons))) if rng.random() < 0.9 else None,
            str(int(rng.choice(w.persons))) if rng.random() < 0.2 else None,
            str(int(rng.choice(w.organisations))) if sponsor else None,
            _SPONSOR_TYPES[rng.integers(len(_SPONSOR_TYPES))] if sponsor else None,
            _SPONSOR_RELATIONSHIPS[rng.integers(len(_SPONSOR_RELATIONSHIPS))] if sponsor
            else None,
            str(int(ballot_measure[i])) if kind == "ballot" else None,
            _bool_text(rng, bool(rng.random() < 0.5)) if kind == "ballot" else None,
            f"{rng.integers(1, 30000)} {_STREETS[rng.integers(len(_STREETS))]}",
            _ADDRESS2[rng.integers(len(_ADDRESS2))] if rng.random() < 0.2 else
            ("" if rng.random() < 0.1 else None),
            city[0], _AZ_SPELLINGS[int(rng.choice(len(_AZ_SPELLINGS), p=state_p))],
            f"{rng.integers(city[2], city[3] + 1):05d}",
            _BANKS[rng.integers(len(_BANKS))] if rng.random() < 0.95 else None,
            _BANKS[rng.integers(len(_BANKS))] if rng.random() < 0.15 else None,
            _BANKS[rng.integers(len(_BANKS))] if rng.random() < 0.03 else None,
            _OTHER_PARTY_NAMES[rng.integers(len(_OTHER_PARTY_NAMES))]
            if cand and party == _OTHER_PARTY_ID else None,
        ])
    return rows


def _soi_count(n_committees: int) -> int:
    return max(50, min(2000, n_committees))


def _soi_refilings(n_committees: int) -> int:
    return max(1, round(_soi_count(n_committees) * SOI_REFILING_SHARE))


def _soi_rows(w: _World, rng: np.random.Generator,
              refile_rng: np.random.Generator) -> list[list[str | None]]:
    """Distinct (Name, Office) statements, then ``_soi_refilings`` of them filed again for
    the same office on an earlier day (a previous cycle), drawn from ``refile_rng``."""
    n = _soi_count(w.n_committees)
    seen: set[tuple[str, str]] = set()
    rows: list[list[str | None]] = []
    days: list[int] = []
    while len(rows) < n:
        if rng.random() < 0.4:
            _, last, first = w.candidates[rng.integers(len(w.candidates))]
        else:
            last, first = _person_name(rng)
        name = f"{first} {last}"
        if rng.random() < 0.03:
            name += ", Jr."
        office = OFFICES[int(rng.integers(len(OFFICES)))][0]
        if (name, office) in seen:
            continue
        seen.add((name, office))
        number = f"{rng.choice([602, 480, 520, 623, 928])}555{rng.integers(0, 10000):04d}"
        phone = [f"({number[:3]}) {number[3:6]}-{number[6:]}",
                 f"{number[:3]}-{number[3:6]}-{number[6:]}",
                 f"{number[:3]}.{number[3:6]}.{number[6:]}", f"+1 {number}", None, ""][
            int(rng.choice(6, p=[0.4, 0.25, 0.1, 0.05, 0.15, 0.05]))]
        party = PARTIES[int(rng.choice(len(PARTIES), p=[0.4, 0.4, 0.05, 0.03, 0.06, 0.02, 0.02,
                                                        0.02]))]
        party_text = [party[0], party[1], None][int(rng.choice(3, p=[0.7, 0.25, 0.05]))]
        email = f"candidate{len(rows) + 1}@example.org" if rng.random() < 0.8 else None
        days.append(int(rng.integers(_N_DAYS - 1100, _N_DAYS)))
        rows.append([name, office, party_text, phone, email, _day_text(rng, days[-1]),
                     _soi_url(len(rows))])
    picks = np.sort(refile_rng.choice(n, size=_soi_refilings(w.n_committees), replace=False))
    for i in picks.tolist():
        name, office, party_text, phone, email = rows[i][:5]
        day = days[i] - int(refile_rng.integers(365, 800))
        rows.append([name, office, party_text, phone, email, _day_text(refile_rng, day),
                     _soi_url(len(rows))])
    return rows


def _soi_url(row: int) -> str:
    return f"https://azsos.gov/elections/candidates/statements-of-interest?id={row + 1001}"


@dataclass
class _Chunk:
    committee: np.ndarray
    ttype: np.ndarray
    day: np.ndarray
    date_style: np.ndarray
    cents: np.ndarray
    name: np.ndarray
    subject: np.ndarray
    benefit: np.ndarray
    benefit_style: np.ndarray
    category: np.ndarray
    memo: np.ndarray
    account: np.ndarray
    deleted: np.ndarray
    deleted_style: np.ndarray

    def take(self, idx: np.ndarray) -> _Chunk:
        return _Chunk(**{k: v[idx] for k, v in vars(self).items()})


class _TransactionPools:
    def __init__(self, n_committees: int) -> None:
        self.dates = _date_pool()
        self.committee = np.array([str(i) for i in range(n_committees + 1)], dtype=object)
        self.ttype = np.array([str(i) for i in range(len(TRANSACTION_TYPES) + 1)], dtype=object)
        self.category = np.array([NULL] + [str(i) for i in range(1, len(CATEGORIES) + 1)],
                                 dtype=object)
        memos = [None, "", *_INCOME_MEMOS, *_EXPENSE_MEMOS, *_IE_MEMOS, *_NEWLINE_MEMOS]
        self.memo = _pool(memos)
        start = 2
        self.income_memos = (start, start + len(_INCOME_MEMOS))
        start += len(_INCOME_MEMOS)
        self.expense_memos = (start, start + len(_EXPENSE_MEMOS))
        start += len(_EXPENSE_MEMOS)
        self.ie_memos = (start, start + len(_IE_MEMOS))
        start += len(_IE_MEMOS)
        self.newline_memos = (start, start + len(_NEWLINE_MEMOS))
        self.account = _pool(_ACCOUNT_TYPES)
        self.bools = np.array(_BOOL_FIELDS, dtype=object)


def _amounts(rng: np.random.Generator, k: int, median: float, sigma: float,
             tail: float) -> np.ndarray:
    cents = np.round(rng.lognormal(np.log(median), sigma, k) * 100)
    big = rng.random(k) < tail
    cents[big] = np.round(np.exp(rng.uniform(np.log(1e5), np.log(2.56e7), int(big.sum()))) * 100)
    return np.clip(cents, 1, MAX_CENTS).astype(np.int64)


def _memo_codes(rng: np.random.Generator, k: int, null: float, empty: float,
                span: tuple[int, int]) -> np.ndarray:
    r = rng.random(k)
    return np.where(r < null, 0, np.where(r < null + empty, 1, rng.integers(*span, k)))


def _base_rows(w: _World, p: _TransactionPools, rng: np.random.Generator, row0: int,
               total: int, kinds: np.ndarray) -> _Chunk:
    n = len(kinds)
    inc, exp, ie, neu = (kinds == _INC), (kinds == _EXP), (kinds == _IE), (kinds == _NEU)
    n_ie = int(ie.sum())

    committee = np.empty(n, dtype=np.int64)
    committee[~ie] = _draw(w.committee_cum, rng, n - n_ie) + 1
    committee[ie] = w.ie_spenders[_draw(w.ie_spender_cum, rng, n_ie)]

    name = np.empty(n, dtype=np.int64)
    donors = inc | neu
    name[donors] = w.donor_ids[_draw(w.donor_cum, rng, int(donors.sum()))]
    name[~donors] = w.vendor_ids[_draw(w.vendor_cum, rng, n - int(donors.sum()))]
    ttype = np.zeros(n, dtype=np.int64)
    for mask, sentinels in ((inc, _INCOME_SENTINELS), (exp, _EXPENSE_SENTINELS)):
        r = rng.random(n)
        edge = 0.0
        for nid, share, types in sentinels:
            m = mask & (r >= edge) & (r < edge + share)
            name[m] = nid
            ttype[m] = rng.choice(types, size=int(m.sum()))
            edge += share
    name[ie & (rng.random(n) < 0.05)] = -7

    name_kind = w.kind[np.maximum(name, 0)]
    for k, (types, weights) in _INCOME_TYPES_BY_KIND.items():
        m = inc & (ttype == 0) & (name_kind == k) & (name > 0)
        ttype[m] = _choice(rng, types, weights, int(m.sum()))
    m = exp & (ttype == 0)
    ttype[m] = _choice(rng, *_EXPENSE_TYPES, int(m.sum()))
    ttype[ie] = IE_TRANSACTION_TYPE_ID
    ttype[neu] = _choice(rng, *_NEUTRAL_TYPES, int(neu.sum()))

    cents = np.empty(n, dtype=np.int64)
    k = int(inc.sum())
    round_amount = rng.random(k) < 0.55
    cents[inc] = np.where(round_amount,
                          _choice(rng, _ROUND_DOLLARS, _ROUND_WEIGHTS, k) * 100,
                          _amounts(rng, k, 60, 1.3, 2e-5))
    refund = inc & (name > 0) & (rng.random(n) < REFUND_SHARE)
    ttype[refund] = REFUND_TRANSACTION_TYPE_ID
    cents[refund] *= -1
    cents[exp] = -_amounts(rng, int(exp.sum()), 300, 1.7, 1e-4)
    cents[ie] = -_amounts(rng, n_ie, 2500, 1.8, 0.0)
    cents[neu] = _amounts(rng, int(neu.sum()), 500, 1.5, 0.0)
    if row0 == 0:
        positive = np.flatnonzero(inc & (cents > 0))
        if len(positive):
            cents[positive[rng.integers(len(positive))]] = MAX_CENTS

    where = (row0 + np.arange(n)) / max(total, 1)
    day = where * (_N_DAYS - 1) + rng.normal(0, 150, n)
    late = rng.random(n) < 0.1
    day[late] = rng.integers(0, _N_DAYS, int(late.sum()))
    day = np.abs(np.round(day))
    day = np.where(day > _N_DAYS - 1, 2 * (_N_DAYS - 1) - day, day).astype(np.int64)
    day[rng.random(n) < EMPTY_DATE_SHARE] = -1
    date_style = rng.choice(3, size=n, p=_DATE_STYLE_WEIGHTS)

    category = np.zeros(n, dtype=np.int64)
    r = rng.random(n)
    m = (exp & (r < 0.6)) | (inc & (r < 0.03)) | (ie & (r < 0.3)) | (neu & (r < 0.1))
    category[m] = rng.integers(1, len(CATEGORIES) + 1, int(m.sum()))

    memo = np.zeros(n, dtype=np.int64)
    memo[inc] = _memo_codes(rng, int(inc.sum()), 0.85, 0.03, p.income_memos)
    memo[exp] = _memo_codes(rng, int(exp.sum()), 0.4, 0.03, p.expense_memos)
    memo[neu] = _memo_codes(rng, int(neu.sum()), 0.7, 0.0, p.expense_memos)
    memo[ie] = _memo_codes(rng, n_ie, 0.03, 0.0, p.ie_memos)
    newline = rng.random(n) < 1e-4
    newline[rng.integers(n)] = True
    memo[newline] = rng.integers(*p.newline_memos, int(newline.sum()))

    subject = np.zeros(n, dtype=np.int64)
    legacy = rng.random(n_ie) < LEGACY_TARGET_SHARE
    targets = w.target_ids[_draw(w.target_cum, rng, n_ie)]
    targets[legacy] = rng.choice(w.legacy_ids, size=int(legacy.sum()))
    subject[ie] = targets
    benefit = np.full(n, -1, dtype=np.int64)
    r = rng.random(n_ie)
    benefit[ie] = np.where(r < IE_NO_BENEFIT_SHARE, -1,
                           (rng.random(n_ie) < IE_FOR_BENEFIT_SHARE).astype(np.int64))

    ie_rows = np.flatnonzero(ie)
    if n_ie > 1:
        tied = ie_rows[1:][rng.random(n_ie - 1) < 0.08]
        day[tied] = day[rng.choice(ie_rows, size=len(tied))]
        day[ie_rows[rng.random(n_ie) < 0.01]] = -1
    if row0 == 0:
        _ie_showcase(w, rng, ie_rows, day, benefit, subject)

    return _Chunk(
        committee=committee, ttype=ttype, day=day, date_style=date_style, cents=cents,
        name=name, subject=subject, benefit=benefit,
        benefit_style=rng.choice(3, size=n, p=_BOOL_STYLE_WEIGHTS), category=category,
        memo=memo, account=rng.choice(len(_ACCOUNT_TYPES), size=n, p=_ACCOUNT_WEIGHTS),
        deleted=rng.random(n) < DELETED_SHARE,
        deleted_style=rng.choice(3, size=n, p=_BOOL_STYLE_WEIGHTS),
    )


def _ie_showcase(w: _World, rng: np.random.Generator, ie_rows: np.ndarray, day: np.ndarray,
                 benefit: np.ndarray, subject: np.ndarray) -> None:
    """Make the batch's first IE rows cover the rare cases the views must handle."""
    if len(ie_rows) >= 2:
        if day[ie_rows[0]] < 0:
            day[ie_rows[0]] = rng.integers(0, _N_DAYS)
        day[ie_rows[1]] = day[ie_rows[0]]
    if len(ie_rows) >= 3:
        day[ie_rows[2]] = -1
    if len(ie_rows) >= 4:
        benefit[ie_rows[3]] = -1
    if len(ie_rows) >= 5:
        subject[ie_rows[4]] = rng.choice(w.legacy_ids)
    if len(ie_rows) >= 6 and len(w.shared_ids):
        subject[ie_rows[5]] = rng.choice(w.shared_ids)


def _transactions_chunk(w: _World, p: _TransactionPools, rng: np.random.Generator, row0: int,
                        n: int, total: int, next_id: int) -> tuple[str, int]:
    n_income = _alloc(row0, n, INCOME_SHARE)
    n_amend_inc = min(_alloc(row0, n, AMENDMENT_SHARE * INCOME_SHARE), n_income // 4)
    n_amend_other = min(_alloc(row0, n, AMENDMENT_SHARE * (1 - INCOME_SHARE)),
                        (n - n_income) // 2)
    n_dup = min(_alloc(row0, n, INCOME_SHARE * DUPLICATE_SHARE), n_income // 2 - n_amend_inc)
    n_amend = n_amend_inc + n_amend_other
    n_base = n - n_dup - n_amend
    n_base_inc = n_income - n_dup - n_amend_inc
    n_base_other = n_base - n_base_inc
    n_ie = min(_alloc(row0, n, w.ie_share), n_base_other)
    n_neu = min(_alloc(row0, n, NEUTRAL_SHARE), n_base_other - n_ie)
    kinds = np.concatenate([
        np.full(n_base_inc, _INC), np.full(n_ie, _IE), np.full(n_neu, _NEU),
        np.full(n_base_other - n_ie - n_neu, _EXP)]).astype(np.int8)
    rng.shuffle(kinds)
    base = _base_rows(w, p, rng, row0, total, kinds)

    income_rows = np.flatnonzero(kinds == _INC)
    originals_inc = rng.choice(income_rows, size=n_amend_inc, replace=False)
    originals = np.concatenate([
        originals_inc,
        rng.choice(np.flatnonzero(kinds != _INC), size=n_amend_other, replace=False)])
    keep = np.ones(n_base, dtype=bool)
    keep[originals_inc] = False
    dup_sources = rng.choice(income_rows[keep[income_rows]], size=n_dup, replace=False)

    rows = base.take(np.concatenate([np.arange(n_base), dup_sources, originals]))
    amended = slice(n_base + n_dup, n)
    factor = rng.uniform(0.5, 1.5, n_amend)
    new_cents = np.clip(np.round(rows.cents[amended] * factor), -MAX_CENTS, MAX_CENTS)
    new_cents = new_cents.astype(np.int64)
    same = new_cents == rows.cents[amended]
    new_cents[same] += np.sign(new_cents[same]) * 100
    rows.cents[amended] = np.clip(new_cents, -MAX_CENTS, MAX_CENTS)
    moved = (rng.random(n_amend) < 0.2) & (rows.day[amended] >= 0)
    rows.day[amended] = np.where(
        moved, np.clip(rows.day[amended] + rng.integers(-5, 6, n_amend), 0, _N_DAYS - 1),
        rows.day[amended])
    rows.deleted[amended] = False
    rows.deleted[originals] = True
    modifies = np.full(n, -1, dtype=np.int64)
    modifies[amended] = originals

    position = np.concatenate([
        np.arange(n_base, dtype=np.float64),
        dup_sources + np.where(rng.random(n_dup) < 0.6, 0.5,
                               rng.uniform(1, max(2, min(3000, n_base)), n_dup)),
        originals + rng.uniform(1, max(2, n_base / 2), n_amend)])
    order, row_id = _numbered(position, next_id, rng, max_gap=50)
    ids = row_id[order]  # in the order they are written: ascending

    r = rows.take(order)
    modifies_id = np.where(modifies >= 0, row_id[np.maximum(modifies, 0)], -1)[order]
    date_code = np.where(r.day >= 0, r.day * 3 + r.date_style, len(p.dates) - 1)
    benefit_code = np.where(r.benefit < 0, 0, 1 + 3 * r.benefit + r.benefit_style)
    deleted_code = 1 + 3 * r.deleted.astype(np.int64) + r.deleted_style
    text = _lines([
        _ints(ids), p.committee[r.committee].tolist(), p.ttype[r.ttype].tolist(),
        p.dates[date_code].tolist(), [f"{v:.2f}" for v in (r.cents / 100).tolist()],
        _ints(r.name), _sparse_ints(r.subject, r.subject > 0),
        p.bools[benefit_code].tolist(), p.category[r.category].tolist(),
        p.memo[r.memo].tolist(), p.account[r.account].tolist(),
        _sparse_ints(modifies_id, modifies_id >= 0), p.bools[deleted_code].tolist(),
    ])
    return text, int(ids[-1]) + 1


def _transaction_rows(w: _World, rng: np.random.Generator, total: int):
    p = _TransactionPools(w.n_committees)
    next_id = 1
    for row0 in range(0, total, CHUNK_ROWS):
        n = min(CHUNK_ROWS, total - row0)
        text, next_id = _transactions_chunk(w, p, rng, row0, n, total, next_id)
        yield text, n
        log.debug("transactions: %d of %d rows", row0 + n, total)


def _ballot_measure_rows(rng: np.random.Generator) -> list[list[str | None]]:
    """``BALLOT_MEASURES`` measures, whatever the scale: unique SOSIdentifier (one near the
    50-character limit), MeasureNumber <= 10 characters or NULL, long OfficialTitle text
    with commas, quotes and line breaks (two of them NULL)."""
    serial: dict[tuple[str, int], int] = {}
    rows: list[list[str | None]] = []
    kinds = _choice(rng, range(len(_MEASURE_KINDS)), _MEASURE_KIND_WEIGHTS, BALLOT_MEASURES)
    for i in range(BALLOT_MEASURES):
        kind = _MEASURE_KINDS[int(kinds[i])]
        year = _MEASURE_YEARS[i % len(_MEASURE_YEARS)]
        number = serial[kind, year] = serial.get((kind, year), 0) + 1
        sos = {"I": f"I-{number:02d}-{year}", "R": f"R-{number:02d}-{year}",
               "SCR": f"SCR{1000 + number}-{year}", "HCR": f"HCR{2000 + number}-{year}"}[kind]
        if i == 7:
            sos += " (withdrawn; superseded by refiling)"
        prop = int(rng.integers(100, 500))
        measure = [f"Prop {prop}", str(prop), f"Prop. {prop}", None][
            int(rng.choice(4, p=[0.55, 0.1, 0.1, 0.25]))]
        subject = _MEASURE_SUBJECTS[int(rng.integers(len(_MEASURE_SUBJECTS)))]
        cause = _CAUSES[int(rng.integers(len(_CAUSES)))]
        short = [f"{subject} Act", f"Arizona {subject} Initiative", f"Protect {cause}",
                 f'The "{subject}" Amendment', f"{subject}; {cause}"][int(rng.integers(5))]
        clauses = [f"AMENDING SECTION {int(rng.integers(1, 50))}-{int(rng.integers(101, 9999))}"
                   ", ARIZONA REVISED STATUTES" for _ in range(int(rng.integers(1, 40)))]
        title = (_MEASURE_PREAMBLE[kind] + ("\n" if rng.random() < 0.4 else " ")
                 + "; ".join(clauses) + f"; RELATING TO {subject.upper()}.")
        if rng.random() < 0.5:
            title += f' OFFICIAL TITLE: "THE {subject.upper()} ACT"'
        official = None if i % 30 == 29 else title
        rows.append([str(i + 1), sos, measure, short, official])
    return rows


class _ReportPools:
    def __init__(self) -> None:
        self.dates = _date_pool()
        days = [_FIRST_DAY + dt.timedelta(days=i) for i in range(_N_DAYS)]
        self.iso_day = np.array([d.isoformat() for d in days], dtype=object)
        self.mdb_day = np.array([d.strftime("%m/%d/%y") for d in days], dtype=object)
        self.clock = np.array([f" {h:02d}:{m:02d}:{s:02d}" for h in range(24)
                               for m in range(60) for s in range(60)], dtype=object)
        years = np.array([d.year for d in days])
        self.cycle = (years + years % 2 - CYCLE_YEARS[0]) // 2 + 1
        quarters = [(y, q) for y in range(_FIRST_REPORT_QUARTER[0], _LAST_REPORT_QUARTER[0] + 1)
                    for q in range(1, 5)
                    if _FIRST_REPORT_QUARTER <= (y, q) <= _LAST_REPORT_QUARTER]

        def day(d: dt.date) -> int:
            return (d - _FIRST_DAY).days

        self.q_begin = np.array([day(dt.date(y, 3 * q - 2, 1)) for y, q in quarters])
        self.q_end = np.array([day(dt.date(y + q // 4, 3 * q % 12 + 1, 1)) - 1
                               for y, q in quarters])
        self.y_begin = np.array([day(dt.date(y, 1, 1)) for y, _ in quarters])
        self.y_end = np.array([day(dt.date(y, 12, 31)) for y, _ in quarters])
        first_named = 5
        self.q_name = np.array([
            first_named + (y - _REPORT_NAMED_YEARS[0]) * 4 + q - 1
            if y in _REPORT_NAMED_YEARS else q for y, q in quarters])
        self.period = np.array([period for _, _, period, _ in REPORT_TYPES])
        self.window = np.array(_FILING_WINDOW_DAYS)[self.period]
        self.options = np.array([[names[k % len(names)] for k in range(4)]
                                 for *_, names in REPORT_TYPES])


def _reports_chunk(w: _World, p: _ReportPools, rng: np.random.Generator, row0: int, n: int,
                   total: int, next_id: int) -> tuple[str, int]:
    n_amend = min(_alloc(row0, n, REPORT_AMENDMENT_SHARE), n // 2)
    n_base = n - n_amend
    committee = np.where(rng.random(n_base) < 0.5,
                         rng.integers(1, w.n_committees + 1, n_base),
                         _draw(w.committee_cum, rng, n_base) + 1)
    rtype = _choice(rng, range(len(REPORT_TYPES)), _REPORT_TYPE_WEIGHTS, n_base)
    n_quarters = len(p.q_begin)
    where = (row0 + np.arange(n_base) * (n / n_base)) / max(total, 1)
    q = np.round(where * (n_quarters - 1) + rng.normal(0, 2, n_base))
    spread = rng.random(n_base) < 0.1
    q[spread] = rng.integers(0, n_quarters, int(spread.sum()))
    q = np.clip(q, 0, n_quarters - 1).astype(np.int64)

    period = p.period[rtype]
    begin, end = p.q_begin[q], p.q_end[q]
    length = end - begin + 1
    year = period == 1
    begin[year], end[year] = p.y_begin[q[year]], p.y_end[q[year]]
    part = period == 2
    end[part] = begin[part] + (rng.random(int(part.sum())) * length[part]).astype(np.int64)
    one = period == 3
    end[one] = begin[one] + (rng.random(int(one.sum())) * length[one]).astype(np.int64)
    begin[one] = end[one]
    window = p.window[rtype]
    filing_begin = end + 1
    filing_end = filing_begin + window
    filed = filing_begin + (rng.random(n_base) * (window + 1)).astype(np.int64)
    late = rng.random(n_base) < 0.03
    filed[late] = filing_end[late] + rng.integers(1, 61, int(late.sum()))
    second = np.where(rng.random(n_base) < 0.9, rng.integers(7 * 3600, 22 * 3600, n_base),
                      rng.integers(1, 86_400, n_base))
    name = p.options[rtype, rng.integers(0, 4, n_base)]
    name = np.where(name == 0, p.q_name[q], name)
    order = np.argsort(filed * 86_400 + second, kind="stable")
    base = {"committee": committee, "cycle": p.cycle[begin], "rtype": rtype + 1, "name": name,
            "begin": begin, "end": end, "filing_begin": filing_begin, "filing_end": filing_end,
            "filed": filed, "second": second}

    # Amendments copy a base row of the chunk (same committee, period and names), are
    # filed later and are placed after it, so their ReportID is larger.
    originals = rng.choice(n_base, size=n_amend, replace=False)
    rows = {k: np.concatenate([v[order], v[order][originals]]) for k, v in base.items()}
    amended = slice(n_base, n)
    rows["filed"][amended] = np.minimum(rows["filed"][amended] + rng.integers(1, 241, n_amend),
                                        _N_DAYS - 1)
    rows["second"][amended] = rng.integers(7 * 3600, 22 * 3600, n_amend)
    original = np.full(n, -1, dtype=np.int64)
    original[amended] = originals
    position = np.concatenate([np.arange(n_base, dtype=np.float64),
                               originals + rng.uniform(1, max(2, n_base / 2), n_amend)])
    order, row_id = _numbered(position, next_id, rng, max_gap=20)
    ids = row_id[order]  # in the order they are written: ascending
    r = {k: v[order] for k, v in rows.items()}
    original_id = np.where(original >= 0, row_id[np.maximum(original, 0)], -1)[order]

    style = rng.choice(3, size=n, p=_DATE_STYLE_WEIGHTS)
    day_texts = [p.dates[r[k] * 3 + style].tolist()
                 for k in ("begin", "end", "filing_begin", "filing_end")]
    prefix = np.where(style == 2, p.mdb_day[r["filed"]], p.iso_day[r["filed"]])
    text = _lines([
        _ints(ids), _ints(r["committee"]), _ints(r["cycle"]), _ints(r["rtype"]),
        _ints(r["name"]), *day_texts, (prefix + p.clock[r["second"]]).tolist(),
        _sparse_ints(original_id, original_id >= 0),
    ])
    return text, int(ids[-1]) + 1


def _report_rows(w: _World, rng: np.random.Generator, total: int):
    p = _ReportPools()
    next_id = 1
    for row0 in range(0, total, CHUNK_ROWS):
        n = min(CHUNK_ROWS, total - row0)
        text, next_id = _reports_chunk(w, p, rng, row0, n, total, next_id)
        yield text, n


def generate_batch(out_dir: Path, *, transactions: int = 100_000, names: int | None = None,
                   committees: int | None = None, reports: int | None = None, seed: int = 0,
                   ie_share: float = 0.0004) -> dict[str, int]:
    """Write one synthetic landing batch into ``out_dir``; return {file name: data rows}.

    ``names`` defaults to round(transactions * 2.33 / 10.1), ``committees`` to
    max(300, round(transactions * 5486 / 10.1e6)) and ``reports`` to
    max(60, round(transactions * 190_000 / 10.1e6)), the production ratios; when
    defaulted, ``names`` is raised to what the committees need (candidates, committee
    name records, legacy names). ``names`` counts the Names rows with id 1..names; the six
    sentinel rows (ids -7..0) come on top of it. BallotMeasures (``BALLOT_MEASURES``),
    ReportTypes and ReportNames do not scale.
    """
    if not 0.0 <= ie_share <= 0.08:
        raise ValueError("ie_share must be between 0 and 0.08 (IE rows are expense rows)")
    n_names, n_committees = _sizes(transactions, names, committees)
    if reports is None:
        reports = max(60, round(transactions * 190_000 / 10.1e6))
    if reports < 0:
        raise ValueError("reports must be >= 0")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds = np.random.SeedSequence(seed).spawn(8)
    (world_rng, names_rng, committees_rng, soi_rng, transactions_rng, ballot_rng, reports_rng,
     refile_rng) = (np.random.Generator(np.random.PCG64(s)) for s in seeds)
    w = _build_world(n_names, n_committees, ie_share, world_rng)
    measures = _ballot_measure_rows(ballot_rng)
    committee_measure = ballot_rng.integers(1, BALLOT_MEASURES + 1, n_committees)

    counts: dict[str, int] = {}
    for file_name, rows in _lookup_tables().items():
        counts[file_name] = _write(out_dir / file_name, HEADERS[file_name], _table(rows))
    counts["BallotMeasures.csv"] = _write(out_dir / "BallotMeasures.csv",
                                          HEADERS["BallotMeasures.csv"], _table(measures))
    counts["Names.csv"] = _write(out_dir / "Names.csv", HEADERS["Names.csv"],
                                 _names_rows(w, names_rng))
    counts["Committees.csv"] = _write(
        out_dir / "Committees.csv", HEADERS["Committees.csv"],
        _table(_committee_rows(w, committees_rng, committee_measure)))
    counts["Transactions.csv"] = _write(out_dir / "Transactions.csv",
                                        HEADERS["Transactions.csv"],
                                        _transaction_rows(w, transactions_rng, transactions))
    counts["Reports.csv"] = _write(out_dir / "Reports.csv", HEADERS["Reports.csv"],
                                   _report_rows(w, reports_rng, reports))
    # Last: its presence means the batch is complete (benchmarks rely on it).
    counts["candidate_soi.csv"] = _write(out_dir / "candidate_soi.csv",
                                         HEADERS["candidate_soi.csv"],
                                         _table(_soi_rows(w, soi_rng, refile_rng)))
    log.info("generated batch in %s: %s", out_dir, counts)
    return counts
