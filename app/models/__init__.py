"""Qt-free view models of the front end: the studio's document (scenario, undo/redo, built
network), the network scene (colour scales, lowest-resistance path), electrode layouts and frame
pacing. Nothing here imports Qt, so the models are tested and scripted headless."""
