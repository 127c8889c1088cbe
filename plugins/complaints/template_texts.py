"""The texts of the templates complaints ships (Messages › Templates; staff may edit them).

One text per language: English, Greek, Lithuanian, Persian, Hebrew. Variables:
``complaint.reference``, ``complaint.title``, ``complaint.rating_link`` (rating only),
and the customer's (``customer.first_name`` …). The reference is added to the subject
when an edited text leaves it out, so replies still find their complaint.
"""

ACKNOWLEDGEMENT = {
    "en": {"subject": "We received your complaint {{ complaint.reference }}",
           "body": "Dear {{ customer.first_name }},\n\nthank you for telling us about “{{ complaint.title }}”. "
                   "Your complaint has the reference {{ complaint.reference }}; we will come back to you as soon "
                   "as possible. You can simply reply to this email to add anything.\n\nKind regards"},
    "el": {"subject": "Λάβαμε το παράπονό σας {{ complaint.reference }}",
           "body": "Αγαπητέ/ή {{ customer.first_name }},\n\nσας ευχαριστούμε που μας ενημερώσατε για "
                   "«{{ complaint.title }}». Το παράπονό σας έχει αριθμό αναφοράς {{ complaint.reference }}· "
                   "θα επικοινωνήσουμε μαζί σας το συντομότερο. Μπορείτε απλώς να απαντήσετε σε αυτό το μήνυμα "
                   "για να προσθέσετε οτιδήποτε.\n\nΜε εκτίμηση"},
    "lt": {"subject": "Gavome jūsų skundą {{ complaint.reference }}",
           "body": "Gerb. {{ customer.first_name }},\n\ndėkojame, kad pranešėte apie „{{ complaint.title }}“. "
                   "Jūsų skundo numeris – {{ complaint.reference }}; susisieksime su jumis kuo greičiau. "
                   "Norėdami ką nors papildyti, tiesiog atsakykite į šį laišką.\n\nPagarbiai"},
    "fa": {"subject": "شکایت شما با شماره {{ complaint.reference }} دریافت شد",
           "body": "{{ customer.first_name }} گرامی،\n\nاز اینکه ما را از «{{ complaint.title }}» آگاه کردید "
                   "سپاسگزاریم. شماره پیگیری شکایت شما {{ complaint.reference }} است و در اسرع وقت با شما تماس "
                   "می‌گیریم. برای افزودن هر توضیحی کافی است به همین ایمیل پاسخ دهید.\n\nبا احترام"},
    "he": {"subject": "קיבלנו את התלונה שלך {{ complaint.reference }}",
           "body": "{{ customer.first_name }} שלום,\n\nתודה שסיפרת לנו על „{{ complaint.title }}”. מספר התלונה "
                   "שלך הוא {{ complaint.reference }}; נחזור אליך בהקדם האפשרי. כדי להוסיף פרטים אפשר פשוט "
                   "להשיב למייל הזה.\n\nבברכה"},
}

RATING = {
    "en": {"subject": "How did we handle your complaint {{ complaint.reference }}?",
           "body": "Dear {{ customer.first_name }},\n\nyour complaint “{{ complaint.title }}” is closed. "
                   "Would you tell us how satisfied you are, from 1 to 5? It takes one click:\n\n"
                   "{{ complaint.rating_link }}\n\nThank you"},
    "el": {"subject": "Πώς χειριστήκαμε το παράπονό σας {{ complaint.reference }};",
           "body": "Αγαπητέ/ή {{ customer.first_name }},\n\nτο παράπονό σας «{{ complaint.title }}» έκλεισε. "
                   "Θα μας πείτε πόσο ικανοποιημένος/η είστε, από το 1 έως το 5; Χρειάζεται ένα κλικ:\n\n"
                   "{{ complaint.rating_link }}\n\nΣας ευχαριστούμε"},
    "lt": {"subject": "Kaip išsprendėme jūsų skundą {{ complaint.reference }}?",
           "body": "Gerb. {{ customer.first_name }},\n\njūsų skundas „{{ complaint.title }}“ uždarytas. "
                   "Ar pasakytumėte, kiek esate patenkinti, nuo 1 iki 5? Tereikia vieno paspaudimo:\n\n"
                   "{{ complaint.rating_link }}\n\nAčiū"},
    "fa": {"subject": "رسیدگی ما به شکایت {{ complaint.reference }} چگونه بود؟",
           "body": "{{ customer.first_name }} گرامی،\n\nشکایت شما «{{ complaint.title }}» بسته شد. لطفاً بگویید "
                   "از ۱ تا ۵ چقدر راضی هستید؛ فقط یک کلیک لازم است:\n\n{{ complaint.rating_link }}\n\nسپاسگزاریم"},
    "he": {"subject": "איך טיפלנו בתלונה שלך {{ complaint.reference }}?",
           "body": "{{ customer.first_name }} שלום,\n\nהתלונה שלך „{{ complaint.title }}” נסגרה. נשמח לדעת עד כמה "
                   "היית מרוצה, מ־1 עד 5. זה לוקח לחיצה אחת:\n\n{{ complaint.rating_link }}\n\nתודה"},
}

CANNED = {
    "investigating": ("Complaint: we are looking into it", {
        "en": {"subject": "Your complaint {{ complaint.reference }}: we are looking into it",
               "body": "Dear {{ customer.first_name }},\n\nwe are investigating “{{ complaint.title }}” and will "
                       "tell you what we found as soon as we can.\n\nKind regards"},
        "el": {"subject": "Το παράπονό σας {{ complaint.reference }}: το εξετάζουμε",
               "body": "Αγαπητέ/ή {{ customer.first_name }},\n\nεξετάζουμε το «{{ complaint.title }}» και θα σας "
                       "ενημερώσουμε για ό,τι βρούμε το συντομότερο.\n\nΜε εκτίμηση"},
        "lt": {"subject": "Jūsų skundas {{ complaint.reference }}: nagrinėjame",
               "body": "Gerb. {{ customer.first_name }},\n\nnagrinėjame „{{ complaint.title }}“ ir kuo greičiau "
                       "pranešime, ką nustatėme.\n\nPagarbiai"},
        "fa": {"subject": "شکایت شما {{ complaint.reference }}: در حال بررسی است",
               "body": "{{ customer.first_name }} گرامی،\n\nموضوع «{{ complaint.title }}» را بررسی می‌کنیم و "
                       "نتیجه را در اسرع وقت به شما اطلاع می‌دهیم.\n\nبا احترام"},
        "he": {"subject": "התלונה שלך {{ complaint.reference }}: אנחנו בודקים",
               "body": "{{ customer.first_name }} שלום,\n\nאנחנו בודקים את „{{ complaint.title }}” ונעדכן אותך "
                       "במה שמצאנו בהקדם האפשרי.\n\nבברכה"},
    }),
    "more_information": ("Complaint: we need more information", {
        "en": {"subject": "Your complaint {{ complaint.reference }}: a question",
               "body": "Dear {{ customer.first_name }},\n\nto resolve “{{ complaint.title }}” we need a little more "
                       "information: could you reply with photos or the details of what happened?\n\nKind regards"},
        "el": {"subject": "Το παράπονό σας {{ complaint.reference }}: μια ερώτηση",
               "body": "Αγαπητέ/ή {{ customer.first_name }},\n\nγια να επιλύσουμε το «{{ complaint.title }}» "
                       "χρειαζόμαστε λίγες ακόμη πληροφορίες: θα μπορούσατε να απαντήσετε με φωτογραφίες ή "
                       "λεπτομέρειες για το τι συνέβη;\n\nΜε εκτίμηση"},
        "lt": {"subject": "Jūsų skundas {{ complaint.reference }}: klausimas",
               "body": "Gerb. {{ customer.first_name }},\n\nkad išspręstume „{{ complaint.title }}“, mums reikia "
                       "šiek tiek daugiau informacijos: gal galėtumėte atsakyti atsiųsdami nuotraukų arba "
                       "išsamiau aprašydami, kas nutiko?\n\nPagarbiai"},
        "fa": {"subject": "شکایت شما {{ complaint.reference }}: یک پرسش",
               "body": "{{ customer.first_name }} گرامی،\n\nبرای رسیدگی به «{{ complaint.title }}» به اطلاعات "
                       "بیشتری نیاز داریم: لطفاً در پاسخ، عکس یا جزئیات آنچه رخ داده را بفرستید.\n\nبا احترام"},
        "he": {"subject": "התלונה שלך {{ complaint.reference }}: שאלה",
               "body": "{{ customer.first_name }} שלום,\n\nכדי לפתור את „{{ complaint.title }}” אנחנו צריכים עוד "
                       "קצת מידע: אפשר להשיב עם תמונות או פרטים על מה שקרה?\n\nבברכה"},
    }),
    "resolved": ("Complaint: resolved", {
        "en": {"subject": "Your complaint {{ complaint.reference }} is resolved",
               "body": "Dear {{ customer.first_name }},\n\nwe have resolved “{{ complaint.title }}”. We are sorry "
                       "for the trouble; if anything is still not right, just reply to this email.\n\nKind regards"},
        "el": {"subject": "Το παράπονό σας {{ complaint.reference }} επιλύθηκε",
               "body": "Αγαπητέ/ή {{ customer.first_name }},\n\nεπιλύσαμε το «{{ complaint.title }}». Λυπούμαστε "
                       "για την ταλαιπωρία· αν κάτι δεν είναι ακόμη σωστό, απλώς απαντήστε σε αυτό το μήνυμα."
                       "\n\nΜε εκτίμηση"},
        "lt": {"subject": "Jūsų skundas {{ complaint.reference }} išspręstas",
               "body": "Gerb. {{ customer.first_name }},\n\nišsprendėme „{{ complaint.title }}“. Atsiprašome už "
                       "nepatogumus; jei kas nors vis dar ne taip, tiesiog atsakykite į šį laišką.\n\nPagarbiai"},
        "fa": {"subject": "شکایت شما {{ complaint.reference }} رسیدگی شد",
               "body": "{{ customer.first_name }} گرامی،\n\nبه «{{ complaint.title }}» رسیدگی کردیم. بابت این "
                       "دردسر پوزش می‌خواهیم؛ اگر هنوز چیزی درست نیست، کافی است به همین ایمیل پاسخ دهید."
                       "\n\nبا احترام"},
        "he": {"subject": "התלונה שלך {{ complaint.reference }} טופלה",
               "body": "{{ customer.first_name }} שלום,\n\nטיפלנו ב„{{ complaint.title }}”. אנחנו מצטערים על "
                       "הטרחה; אם משהו עדיין לא בסדר, פשוט השב/י למייל הזה.\n\nבברכה"},
    }),
}
