/* policies/secrets.c - see include/policies/secrets.h */
