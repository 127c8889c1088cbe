"""Demo message templates (``rapport init --demo``): one email and one SMS, in every language."""
from __future__ import annotations

APPOINTMENT = {
    "en": {"subject": "Your appointment on {{ date }}",
           "body": "Dear {{ customer.first_name }},\n\nthis is a reminder of your appointment on {{ date }}.\n"
                   "Reply to this email if you need another time.\n\nKind regards,\nThe service team"},
    "el": {"subject": "Το ραντεβού σας στις {{ date }}",
           "body": "Αγαπητέ/ή {{ customer.first_name }},\n\nσας υπενθυμίζουμε το ραντεβού σας στις {{ date }}.\n"
                   "Απαντήστε σε αυτό το μήνυμα αν χρειάζεστε άλλη ώρα.\n\nΜε εκτίμηση,\nΗ ομάδα εξυπηρέτησης"},
    "lt": {"subject": "Jūsų vizitas {{ date }}",
           "body": "Gerb. {{ customer.first_name }},\n\nprimename apie Jūsų vizitą {{ date }}.\n"
                   "Jei reikia kito laiko, atsakykite į šį laišką.\n\nPagarbiai\nAptarnavimo komanda"},
    "fa": {"subject": "قرار ملاقات شما در {{ date }}",
           "body": "{{ customer.first_name }} گرامی،\n\nیادآوری می‌کنیم که قرار ملاقات شما در {{ date }} است.\n"
                   "اگر به زمان دیگری نیاز دارید، به همین ایمیل پاسخ دهید.\n\nبا احترام،\nتیم خدمات"},
    "he": {"subject": "התור שלך ב-{{ date }}",
           "body": "שלום {{ customer.first_name }},\n\nזוהי תזכורת לתור שלך ב-{{ date }}.\n"
                   "אם נדרש מועד אחר, השב/י להודעה זו.\n\nבברכה,\nצוות השירות"},
}
READY = {
    "en": {"body": "{{ customer.first_name }}, your device is ready for pick-up. Thank you!"},
    "el": {"body": "{{ customer.first_name }}, η συσκευή σας είναι έτοιμη για παραλαβή. Ευχαριστούμε!"},
    "lt": {"body": "{{ customer.first_name }}, Jūsų prietaisas paruoštas atsiimti. Ačiū!"},
    "fa": {"body": "{{ customer.first_name }} عزیز، دستگاه شما آمادهٔ تحویل است. سپاس!"},
    "he": {"body": "{{ customer.first_name }}, המכשיר שלך מוכן לאיסוף. תודה!"},
}


def load_templates(rng=None, customers=None) -> None:
    from core.messaging.templates import ensure_template

    ensure_template("core.appointment_reminder", name="Appointment reminder", texts=APPOINTMENT,
                    description="Sent the day before a visit; {{ date }} is the appointment's date and time.",
                    sample_variables={"date": "2026-12-03 10:30"})
    ensure_template("core.device_ready", name="Device ready (SMS)", channel="sms", texts=READY,
                    description="Tells the customer their device can be picked up.")
