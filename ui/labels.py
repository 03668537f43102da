"""Interface labels in Arabic and English; the page follows the question's language or the switch."""

LABELS = {
    "en": {
        "title": "isnad: questions about the news, answered with sources",
        "question": "Your question", "placeholder": "Ask in Arabic or English…", "send": "Ask",
        "new_chat": "New chat", "sources": "Sources", "no_sources": "Click a citation [n] to see its passage.",
        "mode": "Answer mode", "filters": "Filters", "source_filter": "Source", "language_filter": "Language of the sources",
        "date_from": "From date (YYYY-MM-DD)", "date_to": "To date (YYYY-MM-DD)", "examples": "Examples",
        "interface": "Interface language", "error": "Something went wrong", "date": "Date", "outlet": "Source",
        "modes": {"local": "Local model", "extractive": "Quotes only (no model)", "endpoint": "Configured endpoint"},
    },
    "ar": {
        "title": "إسناد: أسئلة عن الأخبار وإجابات بمصادرها",
        "question": "سؤالك", "placeholder": "اسأل بالعربية أو بالإنجليزية…", "send": "اسأل",
        "new_chat": "محادثة جديدة", "sources": "المصادر", "no_sources": "انقر على رقم المصدر [n] لعرض المقطع.",
        "mode": "طريقة الإجابة", "filters": "التصفية", "source_filter": "المصدر", "language_filter": "لغة المصادر",
        "date_from": "من تاريخ (YYYY-MM-DD)", "date_to": "إلى تاريخ (YYYY-MM-DD)", "examples": "أمثلة",
        "interface": "لغة الواجهة", "error": "حدث خطأ", "date": "التاريخ", "outlet": "المصدر",
        "modes": {"local": "النموذج المحلي", "extractive": "اقتباسات فقط (دون نموذج)", "endpoint": "الخادم المُعدّ"},
    },
}

EXAMPLES = [
    "كم مدنياً محاصراً في شرقي حلب بحسب الدفاع المدني السوري؟",
    "مع من التقى رئيس الائتلاف الوطني في بروكسل؟",
    "How many civilians are besieged in Deir ez-Zor according to the local council?",
    "What did the head of the Aleppo local council ask for at the press conference?",
]
