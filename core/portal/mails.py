"""The portal's emails as personal templates (Messages → Templates), in every language.

Created the first time one is needed; staff may then edit them (never overwritten).
Placeholders: ``{{ portal.link }}`` (the signed link), ``{{ portal.days }}`` /
``{{ portal.minutes }}`` (how long it works), ``{{ portal.login }}`` (the login page);
the decision emails also ``{{ portal.number }}``, ``{{ portal.decision }}``, ``{{ portal.reason }}``.
"""
from __future__ import annotations

INVITATION = {
    "en": {"subject": "Your access to our customer portal",
           "body": "Hello {{ customer.first_name }},\n\nwe have opened an account for you in our customer portal, "
                   "where you can see your quotations, orders, equipment and warranties at any time.\n\n"
                   "Choose your password here (the link works once, for {{ portal.days }} days):\n"
                   "{{ portal.link }}\n\nIf you did not expect this email, you can ignore it."},
    "el": {"subject": "Η πρόσβασή σας στην πύλη πελατών",
           "body": "Γεια σας {{ customer.first_name }},\n\nανοίξαμε για εσάς λογαριασμό στην πύλη πελατών μας, "
                   "όπου μπορείτε να βλέπετε οποιαδήποτε στιγμή τις προσφορές, τις παραγγελίες, τον εξοπλισμό "
                   "και τις εγγυήσεις σας.\n\nΕπιλέξτε τον κωδικό σας εδώ (ο σύνδεσμος λειτουργεί μία φορά, "
                   "για {{ portal.days }} ημέρες):\n{{ portal.link }}\n\n"
                   "Αν δεν περιμένατε αυτό το μήνυμα, μπορείτε να το αγνοήσετε."},
    "lt": {"subject": "Jūsų prieiga prie klientų portalo",
           "body": "Sveiki, {{ customer.first_name }},\n\nsukūrėme Jums paskyrą mūsų klientų portale, kuriame "
                   "bet kada galite matyti savo pasiūlymus, užsakymus, įrangą ir garantijas.\n\n"
                   "Slaptažodį pasirinkite čia (nuoroda veikia vieną kartą, {{ portal.days }} d.):\n"
                   "{{ portal.link }}\n\nJei šio laiško nelaukėte, galite jį ignoruoti."},
    "fa": {"subject": "دسترسی شما به درگاه مشتریان",
           "body": "سلام {{ customer.first_name }}،\n\nبرای شما در درگاه مشتریان ما حسابی باز کرده‌ایم که در آن "
                   "هر زمان می‌توانید پیش‌فاکتورها، سفارش‌ها، تجهیزات و گارانتی‌های خود را ببینید.\n\n"
                   "گذرواژه خود را اینجا انتخاب کنید (این پیوند یک بار و تا {{ portal.days }} روز کار می‌کند):\n"
                   "{{ portal.link }}\n\nاگر منتظر این ایمیل نبودید، می‌توانید آن را نادیده بگیرید."},
    "he": {"subject": "הגישה שלך לפורטל הלקוחות",
           "body": "שלום {{ customer.first_name }},\n\nפתחנו עבורך חשבון בפורטל הלקוחות שלנו, שבו אפשר לראות "
                   "בכל עת את הצעות המחיר, ההזמנות, הציוד והאחריות שלך.\n\n"
                   "יש לבחור סיסמה כאן (הקישור פועל פעם אחת, במשך {{ portal.days }} ימים):\n"
                   "{{ portal.link }}\n\nאם לא ציפית להודעה הזו, אפשר להתעלם ממנה."},
}

RESET = {
    "en": {"subject": "Reset your portal password",
           "body": "Hello {{ customer.first_name }},\n\nsomeone (hopefully you) asked to reset the password of your "
                   "customer portal account.\n\nChoose a new password here (the link works once, for "
                   "{{ portal.minutes }} minutes):\n{{ portal.link }}\n\n"
                   "If it was not you, ignore this email: your password stays as it is."},
    "el": {"subject": "Επαναφορά του κωδικού σας στην πύλη",
           "body": "Γεια σας {{ customer.first_name }},\n\nκάποιος (ελπίζουμε εσείς) ζήτησε επαναφορά του κωδικού "
                   "του λογαριασμού σας στην πύλη πελατών.\n\nΕπιλέξτε νέο κωδικό εδώ (ο σύνδεσμος λειτουργεί "
                   "μία φορά, για {{ portal.minutes }} λεπτά):\n{{ portal.link }}\n\n"
                   "Αν δεν ήσασταν εσείς, αγνοήστε αυτό το μήνυμα: ο κωδικός σας δεν αλλάζει."},
    "lt": {"subject": "Portalo slaptažodžio atkūrimas",
           "body": "Sveiki, {{ customer.first_name }},\n\nkažkas (tikimės, Jūs) paprašė atkurti Jūsų klientų portalo "
                   "paskyros slaptažodį.\n\nNaują slaptažodį pasirinkite čia (nuoroda veikia vieną kartą, "
                   "{{ portal.minutes }} min.):\n{{ portal.link }}\n\n"
                   "Jei tai buvote ne Jūs, ignoruokite šį laišką: slaptažodis lieka nepakeistas."},
    "fa": {"subject": "بازنشانی گذرواژه درگاه",
           "body": "سلام {{ customer.first_name }}،\n\nکسی (امیدواریم خود شما) درخواست بازنشانی گذرواژه حساب شما "
                   "در درگاه مشتریان را داده است.\n\nگذرواژه تازه را اینجا انتخاب کنید (این پیوند یک بار و تا "
                   "{{ portal.minutes }} دقیقه کار می‌کند):\n{{ portal.link }}\n\n"
                   "اگر شما نبودید، این ایمیل را نادیده بگیرید: گذرواژهتان تغییر نمی‌کند."},
    "he": {"subject": "איפוס הסיסמה לפורטל",
           "body": "שלום {{ customer.first_name }},\n\nהתקבלה בקשה לאפס את הסיסמה של חשבונך בפורטל הלקוחות.\n\n"
                   "יש לבחור סיסמה חדשה כאן (הקישור פועל פעם אחת, במשך {{ portal.minutes }} דקות):\n"
                   "{{ portal.link }}\n\nאם לא ביקשת זאת, אפשר להתעלם מההודעה: הסיסמה שלך לא תשתנה."},
}

MAGIC = {
    "en": {"subject": "Your login link",
           "body": "Hello {{ customer.first_name }},\n\nhere is your link to log into the customer portal (it works "
                   "once, for {{ portal.minutes }} minutes):\n{{ portal.link }}\n\n"
                   "If you did not ask for it, ignore this email."},
    "el": {"subject": "Ο σύνδεσμος σύνδεσής σας",
           "body": "Γεια σας {{ customer.first_name }},\n\nορίστε ο σύνδεσμος για να συνδεθείτε στην πύλη πελατών "
                   "(λειτουργεί μία φορά, για {{ portal.minutes }} λεπτά):\n{{ portal.link }}\n\n"
                   "Αν δεν τον ζητήσατε, αγνοήστε αυτό το μήνυμα."},
    "lt": {"subject": "Jūsų prisijungimo nuoroda",
           "body": "Sveiki, {{ customer.first_name }},\n\nštai nuoroda prisijungti prie klientų portalo (veikia "
                   "vieną kartą, {{ portal.minutes }} min.):\n{{ portal.link }}\n\n"
                   "Jei jos neprašėte, ignoruokite šį laišką."},
    "fa": {"subject": "پیوند ورود شما",
           "body": "سلام {{ customer.first_name }}،\n\nاین پیوند ورود شما به درگاه مشتریان است (یک بار و تا "
                   "{{ portal.minutes }} دقیقه کار می‌کند):\n{{ portal.link }}\n\n"
                   "اگر آن را درخواست نکرده‌اید، این ایمیل را نادیده بگیرید."},
    "he": {"subject": "קישור הכניסה שלך",
           "body": "שלום {{ customer.first_name }},\n\nהנה הקישור לכניסה לפורטל הלקוחות (פועל פעם אחת, במשך "
                   "{{ portal.minutes }} דקות):\n{{ portal.link }}\n\nאם לא ביקשת אותו, אפשר להתעלם מההודעה."},
}

VERIFY = {
    "en": {"subject": "Confirm your email address",
           "body": "Hello {{ portal.name }},\n\nplease confirm your email address to finish creating your "
                   "customer portal account (the link works for {{ portal.days }} days):\n{{ portal.link }}\n\n"
                   "If you did not sign up, ignore this email."},
    "el": {"subject": "Επιβεβαιώστε τη διεύθυνση email σας",
           "body": "Γεια σας {{ portal.name }},\n\nεπιβεβαιώστε τη διεύθυνση email σας για να ολοκληρωθεί "
                   "ο λογαριασμός σας στην πύλη πελατών (ο σύνδεσμος ισχύει για {{ portal.days }} ημέρες):\n"
                   "{{ portal.link }}\n\nΑν δεν κάνατε εγγραφή, αγνοήστε αυτό το μήνυμα."},
    "lt": {"subject": "Patvirtinkite savo el. pašto adresą",
           "body": "Sveiki, {{ portal.name }},\n\npatvirtinkite savo el. pašto adresą, kad baigtumėte kurti "
                   "klientų portalo paskyrą (nuoroda galioja {{ portal.days }} d.):\n{{ portal.link }}\n\n"
                   "Jei nesiregistravote, ignoruokite šį laišką."},
    "fa": {"subject": "نشانی ایمیل خود را تأیید کنید",
           "body": "سلام {{ portal.name }}،\n\nلطفاً نشانی ایمیل خود را تأیید کنید تا ساخت حساب شما در "
                   "درگاه مشتریان کامل شود (این پیوند تا {{ portal.days }} روز معتبر است):\n{{ portal.link }}\n\n"
                   "اگر ثبت‌نام نکرده‌اید، این ایمیل را نادیده بگیرید."},
    "he": {"subject": "אישור כתובת הדוא״ל שלך",
           "body": "שלום {{ portal.name }},\n\nנא לאשר את כתובת הדוא״ל כדי להשלים את פתיחת חשבונך בפורטל "
                   "הלקוחות (הקישור בתוקף {{ portal.days }} ימים):\n{{ portal.link }}\n\n"
                   "אם לא נרשמת, אפשר להתעלם מההודעה."},
}

# -- what staff decided (core/portal/notices.py) ------------------------------------------------------

DETAILS_ACCEPTED = {
    "en": {"subject": "Your new contact details are saved",
           "body": "Hello {{ customer.first_name }},\n\nwe have checked and saved the contact details you changed in "
                   "our customer portal.\n\nSee them here:\n{{ portal.link }}"},
    "el": {"subject": "Τα νέα στοιχεία επικοινωνίας σας αποθηκεύτηκαν",
           "body": "Γεια σας {{ customer.first_name }},\n\nελέγξαμε και αποθηκεύσαμε τα στοιχεία επικοινωνίας που "
                   "αλλάξατε στην πύλη πελατών μας.\n\nΔείτε τα εδώ:\n{{ portal.link }}"},
    "lt": {"subject": "Jūsų nauji kontaktiniai duomenys išsaugoti",
           "body": "Sveiki, {{ customer.first_name }},\n\npatikrinome ir išsaugojome kontaktinius duomenis, kuriuos "
                   "pakeitėte mūsų klientų portale.\n\nJuos matote čia:\n{{ portal.link }}"},
    "fa": {"subject": "اطلاعات تماس تازه شما ذخیره شد",
           "body": "سلام {{ customer.first_name }}،\n\nاطلاعات تماسی را که در درگاه مشتریان تغییر داده بودید "
                   "بررسی و ذخیره کردیم.\n\nآن‌ها را اینجا ببینید:\n{{ portal.link }}"},
    "he": {"subject": "פרטי הקשר החדשים שלך נשמרו",
           "body": "שלום {{ customer.first_name }},\n\nבדקנו ושמרנו את פרטי הקשר ששינית בפורטל הלקוחות.\n\n"
                   "אפשר לראות אותם כאן:\n{{ portal.link }}"},
}

DETAILS_REJECTED = {
    "en": {"subject": "Your change of contact details was not accepted",
           "body": "Hello {{ customer.first_name }},\n\nwe could not accept the contact details you changed in our "
                   "customer portal.\n\nReason: {{ portal.reason }}\n\nYour details stay as they were; you can "
                   "send a corrected change here:\n{{ portal.link }}"},
    "el": {"subject": "Η αλλαγή των στοιχείων επικοινωνίας σας δεν έγινε δεκτή",
           "body": "Γεια σας {{ customer.first_name }},\n\nδεν μπορέσαμε να δεχτούμε τα στοιχεία επικοινωνίας που "
                   "αλλάξατε στην πύλη πελατών μας.\n\nΑιτία: {{ portal.reason }}\n\nΤα στοιχεία σας μένουν ως "
                   "είχαν· μπορείτε να στείλετε διορθωμένη αλλαγή εδώ:\n{{ portal.link }}"},
    "lt": {"subject": "Jūsų kontaktinių duomenų pakeitimas nepriimtas",
           "body": "Sveiki, {{ customer.first_name }},\n\nnegalėjome priimti kontaktinių duomenų, kuriuos pakeitėte "
                   "mūsų klientų portale.\n\nPriežastis: {{ portal.reason }}\n\nJūsų duomenys lieka tokie patys; "
                   "pataisytą pakeitimą galite atsiųsti čia:\n{{ portal.link }}"},
    "fa": {"subject": "تغییر اطلاعات تماس شما پذیرفته نشد",
           "body": "سلام {{ customer.first_name }}،\n\nنتوانستیم اطلاعات تماسی را که در درگاه مشتریان تغییر داده "
                   "بودید بپذیریم.\n\nدلیل: {{ portal.reason }}\n\nاطلاعات شما بدون تغییر می‌ماند؛ می‌توانید "
                   "تغییر اصلاح‌شده را اینجا بفرستید:\n{{ portal.link }}"},
    "he": {"subject": "השינוי בפרטי הקשר שלך לא התקבל",
           "body": "שלום {{ customer.first_name }},\n\nלא יכולנו לקבל את פרטי הקשר ששינית בפורטל הלקוחות.\n\n"
                   "הסיבה: {{ portal.reason }}\n\nהפרטים שלך נשארים כפי שהיו; אפשר לשלוח שינוי מתוקן כאן:\n"
                   "{{ portal.link }}"},
}

ORDER_CONFIRMED = {
    "en": {"subject": "Your order {{ portal.number }} is confirmed",
           "body": "Hello {{ customer.first_name }},\n\nwe have confirmed the order {{ portal.number }} you placed "
                   "in our customer portal.\n\nFollow it here:\n{{ portal.link }}"},
    "el": {"subject": "Η παραγγελία σας {{ portal.number }} επιβεβαιώθηκε",
           "body": "Γεια σας {{ customer.first_name }},\n\nεπιβεβαιώσαμε την παραγγελία {{ portal.number }} που "
                   "κάνατε στην πύλη πελατών μας.\n\nΠαρακολουθήστε τη εδώ:\n{{ portal.link }}"},
    "lt": {"subject": "Jūsų užsakymas {{ portal.number }} patvirtintas",
           "body": "Sveiki, {{ customer.first_name }},\n\npatvirtinome užsakymą {{ portal.number }}, kurį pateikėte "
                   "mūsų klientų portale.\n\nJį sekti galite čia:\n{{ portal.link }}"},
    "fa": {"subject": "سفارش {{ portal.number }} شما تأیید شد",
           "body": "سلام {{ customer.first_name }}،\n\nسفارش {{ portal.number }} را که در درگاه مشتریان ثبت کرده "
                   "بودید تأیید کردیم.\n\nآن را اینجا دنبال کنید:\n{{ portal.link }}"},
    "he": {"subject": "ההזמנה שלך {{ portal.number }} אושרה",
           "body": "שלום {{ customer.first_name }},\n\nאישרנו את ההזמנה {{ portal.number }} שביצעת בפורטל "
                   "הלקוחות.\n\nאפשר לעקוב אחריה כאן:\n{{ portal.link }}"},
}

COVERAGE_DECIDED = {
    "en": {"subject": "Your request {{ portal.number }}: {{ portal.decision }}",
           "body": "Hello {{ customer.first_name }},\n\nwe have looked at your request {{ portal.number }}. "
                   "The repair is {{ portal.decision }}.\n\nDetails here:\n{{ portal.link }}"},
    "el": {"subject": "Το αίτημά σας {{ portal.number }}: {{ portal.decision }}",
           "body": "Γεια σας {{ customer.first_name }},\n\nεξετάσαμε το αίτημά σας {{ portal.number }}. "
                   "Κάλυψη της επισκευής: {{ portal.decision }}.\n\nΛεπτομέρειες εδώ:\n{{ portal.link }}"},
    "lt": {"subject": "Jūsų prašymas {{ portal.number }}: {{ portal.decision }}",
           "body": "Sveiki, {{ customer.first_name }},\n\nperžiūrėjome Jūsų prašymą {{ portal.number }}. "
                   "Remonto apmokėjimas: {{ portal.decision }}.\n\nIšsamiau čia:\n{{ portal.link }}"},
    "fa": {"subject": "درخواست {{ portal.number }} شما: {{ portal.decision }}",
           "body": "سلام {{ customer.first_name }}،\n\nدرخواست {{ portal.number }} شما را بررسی کردیم. "
                   "پوشش تعمیر: {{ portal.decision }}.\n\nجزئیات اینجا:\n{{ portal.link }}"},
    "he": {"subject": "הבקשה שלך {{ portal.number }}: {{ portal.decision }}",
           "body": "שלום {{ customer.first_name }},\n\nבדקנו את הבקשה שלך {{ portal.number }}. "
                   "כיסוי התיקון: {{ portal.decision }}.\n\nפרטים כאן:\n{{ portal.link }}"},
}

SAMPLE = {"portal": {"link": "https://example.com/portal/welcome/…", "days": 7, "minutes": 30,
                     "login": "https://example.com/portal/login", "name": "Zoë", "number": "S0000042",
                     "decision": "covered", "reason": "The street is missing."}}

TEMPLATES = (
    ("portal.invitation", "Portal invitation", INVITATION),
    ("portal.password_reset", "Portal password reset", RESET),
    ("portal.magic_link", "Portal login link", MAGIC),
    ("portal.verify_email", "Portal sign-up: confirm the email address", VERIFY),
    ("portal.details_accepted", "Portal: changed contact details accepted", DETAILS_ACCEPTED),
    ("portal.details_rejected", "Portal: changed contact details rejected", DETAILS_REJECTED),
    ("portal.order_confirmed", "Portal: order confirmed", ORDER_CONFIRMED),
    ("portal.coverage_decided", "Portal: coverage of a request decided", COVERAGE_DECIDED),
)

def ensure_portal_templates() -> None:
    """Create the portal's templates that do not exist yet (the caller commits)."""
    from core.messaging import ensure_template

    for key, name, texts in TEMPLATES:
        ensure_template(key, name=name, texts=texts, source="portal", sample_variables=SAMPLE)
