# bash completion for docker-credential-ssm
_docker_credential_ssm() {
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	if [ "$cword" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "store get erase list version registry configure unconfigure doctor cache store-key kubelet --help --version" -- "$cur")
		return
	fi
	case ${words[1]} in
	registry)
		if [ "$cword" -eq 2 ]; then
			mapfile -t COMPREPLY < <(compgen -W "add list remove reset test --help" -- "$cur")
		elif [ "$cword" -eq 3 ]; then
			# The provider table, as `registry --help` prints it.
			local providers
			providers=$(docker-credential-ssm registry --help 2>/dev/null |
				awk '/^Providers and their variables/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }')
			mapfile -t COMPREPLY < <(compgen -W "$providers" -- "$cur")
		elif [ "${words[2]}" = add ] && [[ $cur == --* ]]; then
			local vars
			vars=$(docker-credential-ssm registry --help 2>/dev/null |
				awk -v p="${words[3]}" '$1 == p { for (i = 2; i <= NF; i++) { if ($i ~ /^\(/) break; v = $i; sub(/\*$/, "", v); print "--" v; print "--" v "-file" } }')
			mapfile -t COMPREPLY < <(compgen -W "$vars --cacert --cacert-file --debug" -- "$cur")
		elif [[ $prev == *-file ]]; then
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		elif [ "${words[2]}" = list ]; then
			mapfile -t COMPREPLY < <(compgen -W "--json" -- "$cur")
		elif [ "${words[2]}" = test ]; then
			mapfile -t COMPREPLY < <(compgen -W "--host --debug" -- "$cur")
		fi
		;;
	configure | unconfigure)
		if [ "$cword" -eq 2 ]; then
			mapfile -t COMPREPLY < <(compgen -W "docker podman --help" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "--dry-run --registry --cred-helpers --file --debug" -- "$cur")
		fi
		;;
	cache)
		mapfile -t COMPREPLY < <(compgen -W "clear" -- "$cur")
		;;
	store-key)
		[ "$cword" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W "rotate --help" -- "$cur")
		;;
	kubelet)
		[ "$cword" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W "config --config --help" -- "$cur")
		;;
	doctor)
		mapfile -t COMPREPLY < <(compgen -W "--debug --help" -- "$cur")
		;;
	esac
}
complete -F _docker_credential_ssm docker-credential-ssm
