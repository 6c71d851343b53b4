"""English: every word the app shows, by key. A key is 'where.what'; {name} marks a value filled in."""
STRINGS = {
    # --- app frame
    "app.language": "Language",
    # --- draw page
    "nav.draw": "Draw",
    "draw.title": "Draw a digit",
    "draw.intro": "Every run of this session reads the same image and says what it sees, and how sure it is.",
    "draw.input": "Input",
    "draw.input.canvas": "Draw with the mouse",
    "draw.input.photo": "Upload a photo",
    "draw.canvas": "Draw one digit, large, in the black square.",
    "draw.clear": "Clear",
    "draw.photo": "A photo of one digit (PNG or JPEG)",
    "draw.photo.help": "A dark digit on light paper, or a light one on a dark background, filling most of the picture.",
    "draw.photo.waiting": "Upload a photo of one digit: the runs read it as they read their data set's images.",
    "draw.seen": "What the runs read (28\u00a0×\u00a028)",
    "draw.seen.dataset": "What {dataset} runs read (28\u00a0×\u00a028)",
    "draw.no_runs": "No trained run yet: train one on the Train page, or upload a saved run (.zip) on the Results "
                    "page.",
    "draw.link.train": "Train a run",
    "draw.link.results": "Upload a saved run",
    "draw.fashion_photo_only": "Fashion-MNIST runs read an uploaded photo only (drawing a shoe is no fun): choose "
                               "“Upload a photo” to see them read one.",
    "draw.no_digit_runs": "No run of this session was trained on MNIST digits: upload a photo for its Fashion-MNIST "
                          "runs.",
    "draw.none_read": "No run of this session could read this image.",
    "draw.skipped": "**{label}** is not shown: {reason}.",
    # the library's words for the draw page (mnistlab/digits.py)
    "digits.empty_canvas": "The canvas is empty: draw a digit first.",
    "digits.nothing": "Nothing to read: draw a digit first.",
    "digits.too_large": "The image is {width} × {height} pixels: too large. Send one under {megapixels} megapixels.",
    "digits.unreadable": "This file cannot be read as an image ({error}). Upload a PNG or JPEG.",
    "digits.no_digit": "No digit found in this image: photograph a dark digit on light paper, or a light one on a "
                       "dark background, filling most of the picture.",
    "digits.no_weights": "no weights: its file held only its results",
    "digits.other_dataset": "trained on {dataset}: it reads {readable} images only",
    "digits.not_finite": "its weights are not finite (it diverged)",
    "digits.or": " or ",
    "digits.no_images": "no",
    # --- inside page
    # --- results, compare, lesson (verdicts and charts)
    # --- queue and server
}
