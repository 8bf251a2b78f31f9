"""What a trainee has done: saved answers (progress), the spaced review queue, mastery."""
