"""Materials (申请材料): files citizens hand in, kept in the database with their hash."""
