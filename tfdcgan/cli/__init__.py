"""The command line: `tfdcgan` (`python main.py`) and `tfdcgan-download`
(`python download.py`), installed as console commands.

    tfdcgan --dataset mnist --train --epoch 1
    tfdcgan-download mnist --data_dir ./data

`flags` defines carpedm20's flags and tfdcgan's; `main` turns them into
`tfdcgan.run.main(**kwargs)`; `download` fetches datasets with checksums.
"""
