/* policies/pins.c - see include/policies/pins.h */
