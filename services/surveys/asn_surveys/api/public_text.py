"""The public form's words, Indonesian first, English beside it."""

from __future__ import annotations

from asn_surveys.domain.response import MAX_AGE, MIN_AGE

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Survei Kepuasan Masyarakat",
        "intro": "Penilaian Anda membantu kami memperbaiki layanan. Tanpa nama, sekitar 2 menit.",
        "service": "Layanan yang Anda terima",
        "choose": "-- pilih --",
        "about_you": "Tentang Anda",
        "about_you_note": "Tidak perlu nama. Data ini hanya untuk statistik.",
        "sex": "Jenis kelamin",
        "age": "Usia (tahun)",
        "education": "Pendidikan terakhir",
        "occupation": "Pekerjaan",
        "questions": "Penilaian layanan",
        "comment": "Saran atau masukan (tidak wajib)",
        "comment_note": "Jangan tulis nama, NIK atau nomor telepon. Tidak dipublikasikan.",
        "submit": "Kirim penilaian",
        "errors": "Mohon periksa kembali isian yang ditandai.",
        "required": "Mohon dipilih",
        "age_problem": f"Usia harus angka {MIN_AGE}-{MAX_AGE}",
        "thanks": "Terima kasih!",
        "thanks_body": "Penilaian Anda sudah kami terima dan akan dipakai untuk memperbaiki "
        "layanan.",
        "again": "Isi survei lagi",
        "other_lang": "English",
        "units": "Pilih unit layanan yang Anda nilai",
        "rate_limited": "Terlalu banyak kiriman dari perangkat/jaringan ini. Penilaian Anda "
        "belum tersimpan; silakan kirim lagi setelah {s} detik.",
        "unavailable": "Layanan sedang terganggu. Penilaian Anda belum tersimpan; silakan "
        "kirim lagi setelah {s} detik.",
        "not_found": "Unit layanan tidak ditemukan.",
        "inactive": "Unit layanan ini sedang tidak menerima survei.",
    },
    "en": {
        "title": "Public Satisfaction Survey",
        "intro": "Your rating helps us improve the service. Anonymous, about 2 minutes.",
        "service": "Service you received",
        "choose": "-- choose --",
        "about_you": "About you",
        "about_you_note": "No name needed. Used for statistics only.",
        "sex": "Sex",
        "age": "Age (years)",
        "education": "Highest education",
        "occupation": "Occupation",
        "questions": "Your rating",
        "comment": "Suggestions or feedback (optional)",
        "comment_note": "Do not write names, ID or phone numbers. Never published.",
        "submit": "Send rating",
        "errors": "Please check the marked fields.",
        "required": "Please choose one",
        "age_problem": f"Age must be a number {MIN_AGE}-{MAX_AGE}",
        "thanks": "Thank you!",
        "thanks_body": "We have received your rating and will use it to improve the service.",
        "again": "Fill in the survey again",
        "other_lang": "Bahasa Indonesia",
        "units": "Choose the service unit you are rating",
        "rate_limited": "Too many submissions from this device/network. Your rating was not "
        "stored yet; please send it again after {s} seconds.",
        "unavailable": "The service is temporarily unavailable. Your rating was not stored "
        "yet; please send it again after {s} seconds.",
        "not_found": "Service unit not found.",
        "inactive": "This service unit is not accepting surveys at the moment.",
    },
}
