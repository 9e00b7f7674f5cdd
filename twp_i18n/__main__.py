from twp_i18n.cli import main

main()
