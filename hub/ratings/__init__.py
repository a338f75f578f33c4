"""Ratings (好差评, after 国办发〔2019〕51号): one rating per concluded case or answered
ticket, by whoever holds its receipt code; bad ones open a rectification (整改) ticket;
a center may appeal (申诉) a malicious or mistaken one to a supervisor."""
