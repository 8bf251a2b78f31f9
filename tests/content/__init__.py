"""The course content: the source note taught, lessons and bank in shape."""
