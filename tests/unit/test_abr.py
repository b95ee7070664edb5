"""The ABR ladder never goes above the source, and the ffmpeg command maps what it says."""

from pathlib import Path

from argus.platform.ingest.abr import command, ladder


def test_ladder_never_above_the_source():
    assert [h for h, _ in ladder(1080)] == [1080, 720, 480]
    assert [h for h, _ in ladder(1440)] == [1080, 720, 480]
    assert [h for h, _ in ladder(720)] == [720, 480]
    assert [h for h, _ in ladder(576)] == [480]
    assert [h for h, _ in ladder(241)] == [240]  # a small source: one rendition, its own size
    assert ladder(None) == [] and ladder(0) == []


def test_command_maps_each_rendition_with_or_without_audio():
    argv = command("rtmp://127.0.0.1:1935/internal/t__c", Path("/hls/t__c"), ladder(720),
                   fps=25, audio=True)
    assert argv[argv.index("-var_stream_map") + 1] == "v:0,a:0,name:720p v:1,a:1,name:480p"
    assert argv.count("0:a:0") == 2 and argv[argv.index("-g") + 1] == "50"
    assert argv[-1] == "/hls/t__c/abr_%v.m3u8" and "abr.m3u8" in argv
    silent = command("rtmp://x/internal/t__c", Path("/h"), ladder(480), fps=None, audio=False)
    assert silent[silent.index("-var_stream_map") + 1] == "v:0,name:480p"
    assert "0:a:0" not in silent and "-c:a" not in silent
